//go:build linux

package engineio

import (
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConsumed(t *testing.T) {
	b := func(s ...string) net.Buffers {
		out := net.Buffers{}
		for _, x := range s {
			out = append(out, []byte(x))
		}
		return out
	}
	for _, c := range []struct {
		name string
		in   net.Buffers
		n    int
		want net.Buffers
	}{
		{"nothing", b("ab", "cd"), 0, b("ab", "cd")},
		{"inside the first", b("ab", "cd"), 1, b("b", "cd")},
		{"exactly the first", b("ab", "cd"), 2, b("cd")},
		{"across", b("ab", "cd", "ef"), 3, b("d", "ef")},
		{"all", b("ab", "cd"), 4, b()},
		{"leading empties go", b("", "", "ab"), 0, b("ab")},
		{"empties after what was written go", b("ab", "", "cd"), 2, b("cd")},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, consumed(c.in, c.n))
		})
	}
}

// Empty buffers anywhere in the vector are skipped, not written nor left
// behind as something still to write.
func TestTryWritevEmptyBuffers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := ln.Accept()
	require.NoError(t, err)
	defer server.Close()
	c := &wsConn{}
	c.raw, err = server.(syscall.Conn).SyscallConn()
	require.NoError(t, err)

	for _, bufs := range []net.Buffers{
		{[]byte{}, []byte("ab"), nil, []byte("cd"), []byte{}},
		{nil, []byte{}},
	} {
		want := 0
		for _, x := range bufs {
			want += len(x)
		}
		rest := bufs
		n, err := c.tryWritev(&rest)
		require.NoError(t, err)
		require.Equal(t, want, n)
		require.Empty(t, rest)
	}
	got := make([]byte, 4)
	_, err = io.ReadFull(client, got)
	require.NoError(t, err)
	require.Equal(t, "abcd", string(got))
}
