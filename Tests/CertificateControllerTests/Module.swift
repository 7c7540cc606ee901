// CertificateControllerTests: under construction.
