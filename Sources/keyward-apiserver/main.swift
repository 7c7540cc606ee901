print("keyward-apiserver")
