package main

import (
	"net/http"
	// ruleid: mergegate.go.debug-mode-enabled
	_ "net/http/pprof"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

func main() {
	// ruleid: mergegate.go.debug-mode-enabled
	gin.SetMode(gin.DebugMode)
	// ok: mergegate.go.debug-mode-enabled
	gin.SetMode(gin.ReleaseMode)
	e := echo.New()
	// ruleid: mergegate.go.debug-mode-enabled
	e.Debug = true
	// ok: mergegate.go.debug-mode-enabled
	e.HideBanner = true
	http.ListenAndServe(":8080", nil)
}
