package accounts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"

	"golang.org/x/crypto/bcrypt"
)

func HashPassword(username, password string) (string, string, []byte) {
	// ruleid: mergegate.go.weak-password-hash
	weak := md5.Sum([]byte(password))
	h := sha256.New()
	// ruleid: mergegate.go.weak-password-hash
	h.Write([]byte(username + password))
	// ok: mergegate.go.weak-password-hash
	strong, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	// ok: mergegate.go.weak-password-hash
	etag := sha256.Sum256([]byte(username))
	return hex.EncodeToString(weak[:]), hex.EncodeToString(etag[:]), append(h.Sum(nil), strong...)
}

func Encrypt(key []byte) (cipher.Block, cipher.AEAD) {
	// ruleid: mergegate.go.weak-cipher
	block, _ := des.NewTripleDESCipher(key)
	// ok: mergegate.go.weak-cipher
	aesBlock, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(aesBlock)
	return block, gcm
}
