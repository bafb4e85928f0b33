package preview

import (
	"io"
	"net/http"

	"github.com/gorilla/websocket"
	"net/url"
)

func Preview(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	// ruleid: mergegate.go.ssrf
	resp, err := http.Get(target)
	if err != nil {
		http.Error(w, "fetch failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	// ruleid: mergegate.go.ssrf
	req, _ := http.NewRequest("POST", r.FormValue("callback"), nil)
	// ok: mergegate.go.ssrf
	user, _ := http.Get("https://api.github.com/users/" + url.PathEscape(target))
	// ok: mergegate.go.ssrf
	fixed, _ := http.Get("https://status.example.com/api/v2/status.json")
	io.Copy(w, resp.Body)
	_, _, _ = req, user, fixed
}

func Tunnel(w http.ResponseWriter, r *http.Request) {
	// ruleid: mergegate.go.ssrf
	conn, _, err := websocket.DefaultDialer.Dial(r.URL.Query().Get("upstream"), nil)
	if err == nil {
		conn.Close()
	}
}
