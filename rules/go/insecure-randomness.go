package tokens

import (
	"fmt"
	"math/rand"
	"time"
)

func NewResetToken() string {
	b := make([]byte, 16)
	for i := range b {
		// ruleid: mergegate.go.insecure-randomness
		b[i] = byte(rand.Intn(256))
	}
	return fmt.Sprintf("%x", b)
}

func CreateSession(user string) (string, string) {
	// ruleid: mergegate.go.insecure-randomness
	sessionID := fmt.Sprintf("%d", rand.Int63())
	return user, sessionID
}

func Backoff(attempt int) time.Duration {
	// ok: mergegate.go.insecure-randomness
	jitter := time.Duration(rand.Int63n(int64(time.Second)))
	return time.Duration(attempt)*time.Second + jitter
}
