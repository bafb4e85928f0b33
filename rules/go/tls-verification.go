package client

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
)

func Insecure() *http.Client {
	// ruleid: mergegate.go.tls-verification-disabled
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	return &http.Client{Transport: tr}
}

func Pinned(pool *x509.CertPool) *http.Client {
	// ok: mergegate.go.tls-verification-disabled
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	// ruleid: mergegate.go.tls-verification-disabled
	cfg.InsecureSkipVerify = true
	// ok: mergegate.go.tls-verification-disabled
	cfg.InsecureSkipVerify = false
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}
