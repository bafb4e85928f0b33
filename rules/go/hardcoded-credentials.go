package db

import (
	"database/sql"
	"os"
)

func Open() (*sql.DB, *sql.DB, *sql.DB, error) {
	// ruleid: mergegate.go.hardcoded-connection-credentials
	pg, err := sql.Open("postgres", "host=db.internal user=app password=S3cr3tPass dbname=orders")
	if err != nil {
		return nil, nil, nil, err
	}
	// ruleid: mergegate.go.hardcoded-connection-credentials
	my, _ := sql.Open("mysql", "app:hunter2!@tcp(mysql.internal:3306)/shop")
	// ok: mergegate.go.hardcoded-connection-credentials
	env, _ := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	// ok: mergegate.go.hardcoded-connection-credentials
	local, _ := sql.Open("postgres", "host=localhost user=app dbname=test sslmode=disable")
	return pg, my, env, local.Close()
}

// ruleid: mergegate.go.hardcoded-connection-credentials
const cacheURL = "redis://:Rd1sPassw0rd@cache.prod.example.com:6379/0"

// ok: mergegate.go.hardcoded-connection-credentials
const exampleURL = "postgres://user:${DB_PASSWORD}@localhost/app"
