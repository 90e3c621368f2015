package postgresadapter

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A program that does not import the PostgreSQL packages compiles none of
// pgx: the driver stays an opt-in dependency.
func TestPgxOnlyWhereImported(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	// go test puts its own go first on the PATH.
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	pkgs := []string{
		"github.com/gosio/gosio/engineio",
		"github.com/gosio/gosio/socketio",
		"github.com/gosio/gosio/socketio/redisadapter",
		"github.com/gosio/gosio/socketio/redisemitter",
		"github.com/gosio/gosio/socketio/admin",
		"github.com/gosio/gosio/socketio/metrics",
	}
	out, err := exec.Command(goBin, append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, dep := range strings.Fields(string(out)) {
		require.False(t, strings.Contains(dep, "jackc/"), "%s is compiled into programs without the PostgreSQL packages", dep)
	}
	out, err = exec.Command(goBin, "list", "-deps", "github.com/gosio/gosio/socketio/postgresadapter").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "github.com/jackc/pgx/v5", "the check must see pgx where it is imported")
}
