package files

import (
	"archive/tar"
	"fmt"
	"io"
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

func Untar(r io.Reader, dest string) error {
	tr := tar.NewReader(r)
	for {
		header, err := tr.Next()
		if err != nil {
			return err
		}
		// ruleid: mergegate.go.zip-slip
		f, _ := os.Create(filepath.Join(dest, header.Name))
		f.Close()
		target := filepath.Join(dest, header.Name)
		if !strings.HasPrefix(target, filepath.Clean(dest)+string(os.PathSeparator)) {
			return fmt.Errorf("bad entry %q", header.Name)
		}
		// ok: mergegate.go.zip-slip
		g, _ := os.Create(target)
		g.Close()
	}
}
