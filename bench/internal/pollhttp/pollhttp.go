// Package pollhttp is the one HTTP round trip the benchmark and soak tools'
// long-polling clients make.
package pollhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrStatus is wrapped by Do's error for any answer other than 200.
var ErrStatus = errors.New("unexpected HTTP status")

// Do sends body (nil for none) as an Engine.IO client would and returns
// the answer's body.
func Do(ctx context.Context, hc *http.Client, method, url string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("%s: %w %d: %q", method, ErrStatus, resp.StatusCode, b)
	}
	return b, nil
}
