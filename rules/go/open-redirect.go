package auth

import (
	"net/http"
	"strings"
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

func isLocalRedirect(target string) bool {
	// ruleid: mergegate.go.incomplete-redirect-check
	return strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//")
}

func isLocalRedirectStrict(target string) bool {
	// ok: mergegate.go.incomplete-redirect-check
	return strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "//") && !strings.HasPrefix(target, "/\\")
}

func Next(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	// ruleid: mergegate.go.open-redirect
	http.Redirect(w, r, next+"?from=login", http.StatusFound)
	// ok: mergegate.go.open-redirect
	http.Redirect(w, r, "/login?next="+next, http.StatusFound)
	// ok: mergegate.go.open-redirect
	http.Redirect(w, r, r.Header.Get("X-Return-To"), http.StatusFound)
}
