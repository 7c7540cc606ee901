// CertificateGateTests: under construction.
