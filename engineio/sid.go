package engineio

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
)

// newSessionID returns 128 random bits as 22 URL-safe characters.
func newSessionID(*http.Request) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
