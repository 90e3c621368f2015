package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosio/gosio/socketio"
)

// BasicAuth is a user name and a bcrypt hash of the password, the form
// Node's instrument takes (bcryptjs hashes, "$2a$"/"$2b$", work).
type BasicAuth struct {
	Username     string
	PasswordHash string
}

func (b *BasicAuth) check() error {
	if _, err := bcrypt.Cost([]byte(b.PasswordHash)); err != nil {
		return errors.New("admin: PasswordHash must be a valid bcrypt hash")
	}
	return nil
}

// errInvalidCredentials is the connect_error the UI recognises: it shows
// its login form again.
var errInvalidCredentials = &socketio.ConnectError{Message: "invalid credentials"}

// SessionStore keeps the UI's login sessions. Implementations must be safe
// for concurrent use.
type SessionStore interface {
	// Exists reports whether id is a live session.
	Exists(id string) bool
	// Save records a new session.
	Save(id string)
}

// MemorySessions is a [SessionStore] in memory, for one server.
type MemorySessions struct {
	ttl time.Duration
	mu  sync.Mutex
	ids map[string]time.Time // expiry
}

// NewMemorySessions returns a store whose sessions last ttl.
func NewMemorySessions(ttl time.Duration) *MemorySessions {
	return &MemorySessions{ttl: ttl, ids: make(map[string]time.Time)}
}

// Exists implements [SessionStore].
func (m *MemorySessions) Exists(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.ids[id]
	return ok && time.Now().Before(exp)
}

// Save implements [SessionStore]. Expired sessions are forgotten then.
func (m *MemorySessions) Save(id string) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, exp := range m.ids {
		if !now.Before(exp) {
			delete(m.ids, k)
		}
	}
	m.ids[id] = now.Add(m.ttl)
}

// pendingSessions holds the sessions the middleware opened until the
// socket's connection handler sends them, after CONNECT. A socket that
// never connects (its client left meanwhile) is forgotten a minute later.
type pendingSessions struct {
	mu  sync.Mutex
	ids map[*socketio.Socket]pendingSession
}

type pendingSession struct {
	id string
	at time.Time
}

func (p *pendingSessions) put(s *socketio.Socket, id string) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids == nil {
		p.ids = make(map[*socketio.Socket]pendingSession)
	}
	for k, v := range p.ids {
		if now.Sub(v.at) > time.Minute {
			delete(p.ids, k)
		}
	}
	p.ids[s] = pendingSession{id: id, at: now}
}

func (p *pendingSessions) take(s *socketio.Socket) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.ids[s]
	delete(p.ids, s)
	return v.id
}

// authenticate is the admin namespace's middleware: a live session id, or
// the right user name and password, which open a new session.
func (a *Admin) authenticate(s *socketio.Socket) error {
	auth := s.Handshake().Auth
	if id, _ := auth["sessionId"].(string); id != "" && a.opts.Sessions.Exists(id) {
		return nil
	}
	user, _ := auth["username"].(string)
	pass, _ := auth["password"].(string)
	if user != a.opts.Auth.Username ||
		bcrypt.CompareHashAndPassword([]byte(a.opts.Auth.PasswordHash), []byte(pass)) != nil {
		a.io.Logger().Info("admin: invalid credentials", "nsp", a.nsp.Name(), "address", s.Handshake().Address)
		return errInvalidCredentials
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	a.opts.Sessions.Save(id)
	a.pending.put(s, id)
	return nil
}
