package postgresadapter

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gosio/gosio/internal/clustertest"
	"github.com/gosio/gosio/internal/siotest"
)

// privatePG is a PostgreSQL cluster of the test's own, on its own port in
// a temporary directory, which the test may stop and start: the shared
// server on 5432 is never restarted by tests.
type privatePG struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	// runAs is "postgres" when the tests run as root (initdb and the
	// server refuse to run as root).
	runAs string
}

func (p *privatePG) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

func (p *privatePG) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(p.bin, name)
	if p.runAs != "" {
		return exec.Command("runuser", append([]string{"-u", p.runAs, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (p *privatePG) run(name string, args ...string) {
	p.t.Helper()
	out, err := p.cmd(name, args...).CombinedOutput()
	require.NoError(p.t, err, "%s %v: %s", name, args, out)
}

func (p *privatePG) start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", p.port, p.dir)
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "log"), "-w", "-t", "30", "-o", opts, "start")
}

func (p *privatePG) stop(mode string) {
	p.t.Helper()
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", mode, "-w", "-t", "30", "stop")
}

// startPrivatePG initialises and starts a private cluster; it is removed
// when the test ends. Without PostgreSQL's server binaries the test skips
// (under CI=true, fails).
func startPrivatePG(t testing.TB) *privatePG {
	t.Helper()
	bin := os.Getenv("GOSIO_PG_BIN")
	if bin == "" {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		slices.Sort(found)
		if len(found) > 0 {
			bin = filepath.Dir(found[len(found)-1])
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PostgreSQL server binaries are required (set GOSIO_PG_BIN)")
		}
		t.Skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin; set GOSIO_PG_BIN)")
	}
	p := &privatePG{t: t, bin: bin}
	dir, err := os.MkdirTemp("", "gosio-pg-")
	require.NoError(t, err)
	p.dir = dir
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		require.NoError(t, err, "running as root needs a postgres user for initdb")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		require.NoError(t, os.Chmod(dir, 0o755))
		require.NoError(t, os.Chown(dir, uid, gid))
		p.runAs = "postgres"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.port = l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	p.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
	p.start()
	t.Cleanup(func() {
		_ = p.cmd("pg_ctl", "-D", filepath.Join(dir, "data"), "-m", "immediate", "-w", "stop").Run()
	})
	return p
}

// The database restarts while servers broadcast: afterwards the listener
// is back (reconnected, LISTENing again), and every kind of traffic flows
// again in both directions.
func TestPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private PostgreSQL")
	}
	pg := startPrivatePG(t)
	nodes := startCluster(t, 2, clusterConfig{url: pg.url(), opts: Options{RequestsTimeout: 2 * time.Second}})
	cs := clustertest.ConnectAll(t, nodes, 1, nil)

	// Traffic while the database goes away and comes back: errors are
	// expected meanwhile, and what was sent then may be lost (as with
	// Node's adapter); the senders must not hang.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = nodes[i%2].IO.Emit("traffic", i)
			time.Sleep(20 * time.Millisecond) // pacing, not synchronisation
		}
	}()
	pg.stop("fast")
	pg.start()
	close(stop)
	wg.Wait()

	// Each direction: a marker sent until it arrives proves the listener
	// and the pool are back.
	for from, to := range []int{1, 0} {
		marker := fmt.Sprintf("after-%d", from)
		c := cs[to][0]
		require.Eventually(t, func() bool {
			_ = nodes[from].IO.Emit(marker)
			deadline := time.After(200 * time.Millisecond)
			for {
				select {
				case p := <-c.In:
					if len(p) > 0 && p[0] == '2' {
						if _, arr := siotest.ParseEvent(t, p); arr[0] == marker {
							return true
						}
					}
				case <-deadline:
					return false
				}
			}
		}, 20*time.Second, time.Millisecond)
	}
	clustertest.WaitServerCount(t, nodes, 2)
	socks, err := nodes[0].IO.FetchSockets(bg())
	require.NoError(t, err)
	assert.Len(t, socks, 2)
	require.NoError(t, nodes[1].IO.Emit("bin", []byte{9}))
	for {
		_, arr := cs[0][0].Event()
		if arr[0] == "bin" {
			break
		}
	}
	assert.Equal(t, []byte{9}, <-cs[0][0].Bin)
}
