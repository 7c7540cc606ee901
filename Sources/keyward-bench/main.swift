print("keyward-bench")
