package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
)

type Store struct{ db *sql.DB }

func (s *Store) FindUser(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: mergegate.go.sql-injection, mergegate.go.sql-string-building
	rows, _ := s.db.Query("SELECT * FROM users WHERE name = '" + name + "'")
	defer rows.Close()
	// ok: mergegate.go.sql-injection
	row := s.db.QueryRow("SELECT * FROM users WHERE name = $1", name)
	limit, _ := strconv.Atoi(r.FormValue("limit"))
	// ok: mergegate.go.sql-injection
	more, _ := s.db.Query(fmt.Sprintf("SELECT * FROM users LIMIT %d", limit))
	defer more.Close()
	// ruleid: mergegate.go.sql-injection, mergegate.go.sql-string-building
	s.db.Exec("UPDATE users SET " + r.FormValue("column") + " = NULL WHERE id = " + r.URL.Query().Get("id"))
	_ = row
}

func (s *Store) Search(c *gin.Context) {
	query := "DELETE FROM carts WHERE owner = '" + c.Query("owner") + "'"
	// ruleid: mergegate.go.sql-injection
	s.db.ExecContext(c, query)
}

func (s *Store) Report(column string) {
	// ruleid: mergegate.go.sql-string-building
	s.db.Query(fmt.Sprintf("SELECT %s FROM reports", column))
	// ok: mergegate.go.sql-string-building
	s.db.Query("SELECT * FROM reports WHERE owner = $1", column)
}

func FindMongoUser(ctx context.Context, coll *mongo.Collection, r *http.Request) {
	// ruleid: mergegate.go.nosql-injection
	coll.FindOne(ctx, bson.M{"name": r.FormValue("name")})
	// ok: mergegate.go.nosql-injection
	coll.FindOne(ctx, bson.M{"active": true})
}
