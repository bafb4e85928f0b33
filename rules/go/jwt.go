package auth

import (
	"github.com/golang-jwt/jwt/v5"
)

func Claims(token string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	// ruleid: mergegate.go.jwt-verification-disabled
	_, _, err := jwt.NewParser().ParseUnverified(token, claims)
	return claims, err
}

func Verify(token string, key any) (*jwt.Token, error) {
	// ok: mergegate.go.jwt-verification-disabled
	return jwt.Parse(token, func(t *jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"RS256"}))
}

func Unsigned(claims jwt.MapClaims) (string, error) {
	// ruleid: mergegate.go.jwt-verification-disabled
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	// ruleid: mergegate.go.jwt-verification-disabled
	return tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
}

func Signed(claims jwt.MapClaims, key []byte) (string, error) {
	// ok: mergegate.go.jwt-verification-disabled
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}
