package tools

import (
	"fmt"
	"net/http"
	"os/exec"
	"strings"
)

func Ping(w http.ResponseWriter, r *http.Request) {
	host := r.FormValue("host")
	// ruleid: mergegate.go.command-injection, mergegate.go.shell-command-building
	out, _ := exec.Command("sh", "-c", "ping -c 1 "+host).Output()
	// ruleid: mergegate.go.command-injection
	tool := exec.Command(r.URL.Query().Get("tool"), "--version")
	// ok: mergegate.go.command-injection
	safe, _ := exec.Command("ping", "-c", "1", host).Output()
	w.Write(append(out, safe...))
	_ = tool
}

func Backup(dir string) error {
	// ruleid: mergegate.go.shell-command-building
	cmd := exec.Command("bash", "-c", fmt.Sprintf("tar -czf backup.tgz %s", dir))
	// ok: mergegate.go.shell-command-building
	direct := exec.Command("tar", "-czf", "backup.tgz", dir)
	// ok: mergegate.go.shell-command-building
	fixed := exec.Command("sh", "-c", "make clean")
	_ = direct
	_ = fixed
	return cmd.Run()
}

func Mirror(w http.ResponseWriter, r *http.Request) {
	repo := r.FormValue("repo")
	// ruleid: mergegate.go.command-injection
	exec.Command("git", "clone", repo, "/srv/mirror").Run()
	// ok: mergegate.go.command-injection
	exec.Command("git", "clone", "--", repo, "/srv/mirror").Run()
	// ok: mergegate.go.command-injection
	exec.Command("git", "checkout", repo).Run()
	// ruleid: mergegate.go.command-injection
	exec.Command("sudo", "--", repo).Run()
	if strings.HasPrefix(repo, "-") {
		return
	}
	// ok: mergegate.go.command-injection
	exec.Command("rsync", repo, "/srv/backup").Run()
}
