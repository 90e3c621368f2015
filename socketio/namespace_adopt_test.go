package socketio

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tenantParent declares a dynamic namespace for /tenant-* whose middleware
// admits only clients with auth.token "secret", as an app that
// authenticates its tenants would. byFunc declares it with OfFunc (deciding
// by name) instead of a regular expression. Each connection the parent's
// handler sees is reported on the returned channel.
func tenantParent(io *Server, byFunc bool) (*ParentNamespace, <-chan string) {
	var p *ParentNamespace
	if byFunc {
		p = io.OfFunc(func(name string, _ map[string]any) bool { return strings.HasPrefix(name, "/tenant-") })
	} else {
		p = io.OfRegexp(regexp.MustCompile(`^/tenant-\w+$`))
	}
	p.Use(requireSecret)
	seen := make(chan string, 8)
	p.OnConnection(func(s *Socket) { seen <- s.Namespace().Name() })
	return p, seen
}

func requireSecret(s *Socket) error {
	if s.Handshake().Auth["token"] != "secret" {
		return &ConnectError{Message: "unauthorized"}
	}
	return nil
}

// assertGuarded checks that clients of nsp go through the tenant parent:
// one without the token is refused by its middleware, one with it is
// admitted and meets its connection handler.
func assertGuarded(t *testing.T, hs interface{ Close() }, c, ok *testClient, nsp string, seen <-chan string) {
	t.Helper()
	c.send("0" + nsp + `,{}`)
	assert.Equal(t, "4"+nsp+`,{"message":"unauthorized"}`, c.next(), "a client without the token must be refused")
	ok.connect(nsp, `{"token":"secret"}`)
	assert.Equal(t, nsp, receive(t, seen), "the parent's connection handler must run")
}

// Every way a namespace can come to exist leaves a name that a dynamic
// namespace accepts under that namespace's middlewares.
func TestNamespaceOfNeverBypassesParentMiddleware(t *testing.T) {
	const nsp = "/tenant-acme"
	paths := []struct {
		name   string
		byFunc bool
		// setup declares the parent and makes the namespace exist the way
		// the case describes, before any client comes.
		setup func(io *Server) (*ParentNamespace, <-chan string)
	}{
		{"made by a client (no Of)", false, func(io *Server) (*ParentNamespace, <-chan string) {
			return tenantParent(io, false)
		}},
		{"Of after the regexp parent", false, func(io *Server) (*ParentNamespace, <-chan string) {
			p, seen := tenantParent(io, false)
			io.Of(nsp)
			return p, seen
		}},
		{"Of before the regexp parent", false, func(io *Server) (*ParentNamespace, <-chan string) {
			io.Of(nsp)
			return tenantParent(io, false)
		}},
		{"Of without the slash", false, func(io *Server) (*ParentNamespace, <-chan string) {
			p, seen := tenantParent(io, false)
			io.Of(nsp[1:])
			return p, seen
		}},
		{"Of after the function parent", true, func(io *Server) (*ParentNamespace, <-chan string) {
			p, seen := tenantParent(io, true)
			io.Of(nsp)
			return p, seen
		}},
		{"Of before the function parent", true, func(io *Server) (*ParentNamespace, <-chan string) {
			io.Of(nsp)
			return tenantParent(io, true)
		}},
		{"Of, then emitting and setting up its own listener", false, func(io *Server) (*ParentNamespace, <-chan string) {
			p, seen := tenantParent(io, false)
			n := io.Of(nsp)
			_ = n.Emit("news", 1)
			n.OnConnection(func(*Socket) {})
			return p, seen
		}},
	}
	for _, tc := range paths {
		t.Run(tc.name, func(t *testing.T) {
			io, hs := startServer(t, nil)
			p, seen := tc.setup(io)
			assertGuarded(t, hs, dial(t, hs), dial(t, hs), nsp, seen)
			n := io.Of(nsp)
			assert.Same(t, p, n.Parent(), "the namespace is the parent's child")
			assert.Contains(t, p.Children(), n)
		})
	}
}

// A function parent that routes by the client's auth is asked again when a
// client connects to a namespace the app made, and adopts it then.
func TestNamespaceOfFuncParentAskedWithClientAuth(t *testing.T) {
	const nsp = "/org-1"
	io, hs := startServer(t, nil)
	p := io.OfFunc(func(name string, auth map[string]any) bool {
		return auth["org"] == strings.TrimPrefix(name, "/org-")
	})
	p.Use(requireSecret)
	io.Of(nsp) // the function says no to an empty auth: a static namespace
	require.Nil(t, io.Of(nsp).Parent())

	c := dial(t, hs)
	c.send("0" + nsp + `,{"org":"1"}`)
	assert.Equal(t, "4"+nsp+`,{"message":"unauthorized"}`, c.next())
	assert.Same(t, p, io.Of(nsp).Parent())
	// Once adopted, the middleware guards every client, whatever its auth.
	c.send("0" + nsp + `,{}`)
	assert.Equal(t, "4"+nsp+`,{"message":"unauthorized"}`, c.next())
	dial(t, hs).connect(nsp, `{"org":"1","token":"secret"}`)
}

// A child that went away with its last client comes back as a child.
func TestNamespaceOfAfterChildCleanup(t *testing.T) {
	const nsp = "/tenant-acme"
	io, hs := startServer(t, &Options{CleanupEmptyChildNamespaces: true})
	p, seen := tenantParent(io, false)
	c := dial(t, hs)
	c.connect(nsp, `{"token":"secret"}`)
	require.Equal(t, nsp, receive(t, seen))
	s := io.Of(nsp).Sockets()[0]
	gone := make(chan struct{})
	s.On("disconnect", func() { close(gone) })
	c.send("1" + nsp + ",")
	receive(t, gone)
	require.Eventually(t, func() bool { return len(p.Children()) == 0 }, 5*time.Second, 5*time.Millisecond)

	io.Of(nsp)
	assertGuarded(t, hs, dial(t, hs), dial(t, hs), nsp, seen)
}

// The parent's later middlewares reach a namespace it adopted, after the
// namespace's own.
func TestNamespaceAdoptedGetsLaterParentMiddleware(t *testing.T) {
	const nsp = "/tenant-acme"
	io, hs := startServer(t, nil)
	order := make(chan string, 3)
	io.Of(nsp).Use(func(*Socket) error { order <- "own"; return nil })
	p := io.OfRegexp(regexp.MustCompile(`^/tenant-\w+$`))
	p.Use(func(*Socket) error { order <- "parent"; return nil })
	p.Use(func(*Socket) error { order <- "parent-later"; return &ConnectError{Message: "later"} })
	c := dial(t, hs)
	c.send("0" + nsp + ",")
	assert.Equal(t, "4"+nsp+`,{"message":"later"}`, c.next())
	assert.Equal(t, []string{"own", "parent", "parent-later"}, []string{<-order, <-order, <-order})
}

// The main namespace is the server's own: a dynamic namespace that accepts
// every name does not take it.
func TestNamespaceMainNeverAdopted(t *testing.T) {
	io, hs := startServer(t, nil)
	p := io.OfRegexp(regexp.MustCompile(`.*`))
	p.Use(func(*Socket) error { return &ConnectError{Message: "no"} })
	dial(t, hs).connect("/", "")
	assert.Nil(t, io.Of("/").Parent())
	assert.Empty(t, p.Children())
}
