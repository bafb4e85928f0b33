package files

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

const uploads = "/srv/uploads"

func Download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: mergegate.go.path-traversal
	data, err := os.ReadFile(filepath.Join(uploads, name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

func Serve(w http.ResponseWriter, r *http.Request) {
	// ruleid: mergegate.go.path-traversal
	http.ServeFile(w, r, uploads+"/"+r.FormValue("file"))
}

func Safe(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ok: mergegate.go.path-traversal
	f, _ := os.Open(filepath.Join(uploads, filepath.Base(name)))
	defer f.Close()
	full := filepath.Join(uploads, filepath.Clean("/"+name))
	if strings.HasPrefix(full, uploads+"/") {
		// ok: mergegate.go.path-traversal
		http.ServeFile(w, r, full)
	}
}
