package partner

import (
	"net/http"
	"strings"
)

func Sync(body string) error {
	// ruleid: mergegate.go.plaintext-http
	resp, err := http.Post("http://partner-api.example.com/orders", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// ruleid: mergegate.go.plaintext-http
	req, _ := http.NewRequest("GET", "http://inventory.acme.io/api/stock", nil)
	// ok: mergegate.go.plaintext-http
	secure, _ := http.NewRequest("GET", "https://inventory.acme.io/api/stock", nil)
	// ok: mergegate.go.plaintext-http
	health, _ := http.Get("http://localhost:8080/healthz")
	_, _, _ = req, secure, health
	return nil
}
