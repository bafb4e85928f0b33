package auth

import (
	"net/http"
	"net/url"
)

func Callback(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if isSafeRedirect(next) {
		// ok: mergegate.go.open-redirect
		http.Redirect(w, r, next, http.StatusFound)
		return
	}
	// ok: mergegate.go.open-redirect
	http.Redirect(w, r, "/settings/"+url.PathEscape(r.FormValue("tab")), http.StatusFound)
	// ruleid: mergegate.go.open-redirect
	http.Redirect(w, r, next, http.StatusFound)
}

func isSafeRedirect(target string) bool {
	u, err := url.Parse(target)
	return err == nil && u.Host == "" && u.Scheme == ""
}
