package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Errors returned by [Session.Send] and the server.
var (
	// ErrSessionClosed is returned when sending on a closed session.
	ErrSessionClosed = errors.New("engineio: session closed")
	// ErrQueueFull is returned when a session's outbound queue is full.
	ErrQueueFull = errors.New("engineio: session queue full")
	// ErrSlowClient is the error a session closed by the SlowClientDisconnect
	// policy reports.
	ErrSlowClient = errors.New("engineio: client too slow, outbound queue full")
	// ErrServerClosed is returned by Close and Shutdown after the first call.
	ErrServerClosed = errors.New("engineio: server closed")
)

// RequestError is a handshake or request error, as the protocol defines it:
// answered with an HTTP status and a JSON body {"code": N, "message": "..."}.
type RequestError struct {
	Code    int
	Message string
	Status  int
}

func (e *RequestError) Error() string { return "engineio: " + e.Message }

// The protocol's request errors, codes 0 to 5.
var (
	ErrUnknownTransport    = &RequestError{0, "Transport unknown", http.StatusBadRequest}
	ErrUnknownSID          = &RequestError{1, "Session ID unknown", http.StatusBadRequest}
	ErrBadHandshakeMethod  = &RequestError{2, "Bad handshake method", http.StatusBadRequest}
	ErrBadRequest          = &RequestError{3, "Bad request", http.StatusBadRequest}
	ErrForbidden           = &RequestError{4, "Forbidden", http.StatusForbidden}
	ErrUnsupportedProtocol = &RequestError{5, "Unsupported protocol version", http.StatusBadRequest}
)

// errShuttingDown answers requests once Close or Shutdown has begun.
var errShuttingDown = &RequestError{3, "Server shutting down", http.StatusServiceUnavailable}

// writeError answers a request with the protocol's JSON error. The message is
// one of the fixed strings above, never request input, so nothing is echoed.
func writeError(w http.ResponseWriter, e *RequestError) {
	body, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{e.Code, e.Message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
