// CertificateGate: under construction.
