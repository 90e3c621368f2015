package redisstreams

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnsentClassification(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"dial refused", refused, true},
		{"dial refused, wrapped", fmt.Errorf("redis: %w", refused), true},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}, true},
		{"write reset", &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"read reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, false},
		{"EOF", io.EOF, false},
		{"unexpected EOF", io.ErrUnexpectedEOF, false},
		{"context deadline", context.DeadlineExceeded, false},
		{"context cancelled", context.Canceled, false},
		{"pool timeout", redis.ErrPoolTimeout, true},
		{"pool exhausted", redis.ErrPoolExhausted, true},
		{"client closed", redis.ErrClosed, true},
		{"LOADING", errors.New("LOADING Redis is loading the dataset in memory"), true},
		{"READONLY", errors.New("READONLY You can't write against a read only replica."), true},
		{"MASTERDOWN", errors.New("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), true},
		{"CLUSTERDOWN", errors.New("CLUSTERDOWN The cluster is down"), true},
		{"max clients", errors.New("ERR max number of clients reached"), true},
		{"WRONGTYPE", errors.New("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{"OOM", errors.New("OOM command not allowed when used memory > 'maxmemory'."), false},
		{"other", errors.New("redis: connection is not usable"), false},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, unsent(tc.err)) })
	}
}

// fakeRedis answers each command after HELLO with what reply returns for
// it, or closes the connection when that is "close", or never answers
// when it is "".
func fakeRedis(t *testing.T, reply func(cmd []string) string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { _ = l.Close(); <-done })
	go func() {
		defer close(done)
		var conns []net.Conn
		var wg sync.WaitGroup
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
			wg.Wait()
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			go func() { defer wg.Done(); serveFake(c, reply) }()
		}
	}()
	return l.Addr().String()
}

func serveFake(c net.Conn, reply func(cmd []string) string) {
	rd := bufio.NewReader(c)
	for {
		cmd, err := readCommand(rd)
		if err != nil {
			return
		}
		var out string
		if strings.EqualFold(cmd[0], "hello") {
			out = "-ERR unknown command 'HELLO'\r\n" // RESP2, as an old Redis
		} else {
			out = reply(cmd)
		}
		switch out {
		case "close":
			_ = c.Close()
			return
		case "":
			continue // never answered
		}
		if _, err := io.WriteString(c, out); err != nil {
			return
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(rd *bufio.Reader) ([]string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	cmd := make([]string, n)
	for i := range cmd {
		line, err := rd.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return nil, err
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(rd, b); err != nil {
			return nil, err
		}
		cmd[i] = string(b[:size])
	}
	return cmd, nil
}

// The errors go-redis really returns, as the adapter's writer is set up
// (no retries): refused dials and replies that refuse the command are
// unsent; a connection lost or a reply that never comes after the command
// was written are not.
func TestUnsentFromGoRedis(t *testing.T) {
	xadd := func(t *testing.T, addr string, timeout time.Duration) error {
		c := redis.NewClient(&redis.Options{
			Addr: addr, MaxRetries: -1, DisableIdentity: true, ContextTimeoutEnabled: true,
		})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return c.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "*", Values: []any{"k", "v"}}).Err()
	}
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		err = xadd(t, addr, 5*time.Second)
		require.Error(t, err)
		assert.True(t, unsent(err), "%v", err)
	})
	t.Run("LOADING", func(t *testing.T) {
		addr := fakeRedis(t, func([]string) string { return "-LOADING Redis is loading the dataset in memory\r\n" })
		err := xadd(t, addr, 5*time.Second)
		require.Error(t, err)
		assert.True(t, unsent(err), "%v", err)
	})
	t.Run("connection closed after the command", func(t *testing.T) {
		addr := fakeRedis(t, func([]string) string { return "close" })
		err := xadd(t, addr, 5*time.Second)
		require.Error(t, err)
		assert.False(t, unsent(err), "%v", err)
	})
	t.Run("no reply", func(t *testing.T) {
		addr := fakeRedis(t, func([]string) string { return "" })
		err := xadd(t, addr, 200*time.Millisecond)
		require.Error(t, err)
		assert.False(t, unsent(err), "%v", err)
	})
	t.Run("WRONGTYPE", func(t *testing.T) {
		addr := fakeRedis(t, func([]string) string {
			return "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
		})
		err := xadd(t, addr, 5*time.Second)
		require.Error(t, err)
		assert.False(t, unsent(err), "%v", err)
	})
}
