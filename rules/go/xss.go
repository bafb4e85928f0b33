package web

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"net/http"
)

func Greet(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: mergegate.go.xss
	fmt.Fprintf(w, "<h1>Hello %s</h1>", name)
	// ok: mergegate.go.xss
	fmt.Fprintf(w, "<p>Hello %s</p>", html.EscapeString(name))
	// ok: mergegate.go.xss
	json.NewEncoder(w).Encode(map[string]string{"name": name})
}

var page = template.Must(template.New("p").Parse(`<p>{{.Bio}}</p>`))

func Profile(w http.ResponseWriter, r *http.Request) {
	bio := r.FormValue("bio")
	// ruleid: mergegate.go.xss
	page.Execute(w, map[string]any{"Bio": template.HTML(bio)})
	// ok: mergegate.go.xss
	page.Execute(w, map[string]any{"Bio": bio})
	// ruleid: mergegate.go.xss
	w.Write([]byte("<div>" + bio + "</div>"))
}

type Server struct{ name string }

func (s *Server) Hello(w http.ResponseWriter, r *http.Request) {
	// ruleid: mergegate.go.xss
	fmt.Fprintf(w, "<p>%s says hello to %s</p>", s.name, r.URL.Query().Get("to"))
	// ok: mergegate.go.xss
	fmt.Fprintf(w, "<p>%s says hello</p>", s.name)
}

func Upload(w http.ResponseWriter, r *http.Request) {
	_, header, _ := r.FormFile("doc")
	// ruleid: mergegate.go.xss
	fmt.Fprintf(w, "<p>Stored %s</p>", header.Filename)
}

func Echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// ok: mergegate.go.xss
	w.Write([]byte(r.URL.Query().Get("msg")))
}
