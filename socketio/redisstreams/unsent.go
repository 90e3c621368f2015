package redisstreams

import (
	"errors"
	"net"

	"github.com/redis/go-redis/v9"
)

// unsent reports whether err, the error of an XADD (or of the probe before
// one), proves that Redis did not apply the command, so that sending it
// again cannot append the entry twice. Everything else is ambiguous: the
// command may have been applied and its reply lost (a read error, a
// timeout, a cancelled context), and such an entry is never sent again.
//
// What go-redis v9 returns when it never wrote the command:
//   - a *net.OpError of Op "dial": the connection could not be opened
//     (refused, unreachable, the dial timed out). go-redis tries a dial
//     several times, then, once PoolSize dials in a row failed, returns the
//     last dial error at once until a background dial succeeds;
//   - ErrPoolTimeout, ErrPoolExhausted: no connection to write on;
//   - ErrClosed: the client was closed.
//
// And the cases where it wrote the command but Redis refused it without
// applying it:
//   - a *net.OpError of Op "write": the command was not handed whole to the
//     kernel, and Redis runs a command only once it has all of it (the
//     connection is then discarded, with the partial command);
//   - the replies LOADING (a restarted Redis reading its data back),
//     MASTERDOWN, CLUSTERDOWN, TRYAGAIN, READONLY (a replica, after a
//     failover) and "ERR max number of clients reached".
//
// A context error is ambiguous even when it ended a dial: go-redis reports
// it alike whether the command was waiting for a connection or for its
// reply. A ClusterClient returns its last attempt's error (it retries
// network errors within MaxRedirects, see New): an earlier attempt may
// have reached Redis, as its own retry may already append twice.
func unsent(err error) bool {
	if err == nil {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "write") {
		return true
	}
	if errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) || errors.Is(err, redis.ErrClosed) {
		return true
	}
	return redis.IsLoadingError(err) || redis.IsMasterDownError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsReadOnlyError(err) || redis.IsMaxClientsError(err)
}
