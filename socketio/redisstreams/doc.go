// Package redisstreams lets gosio servers (and Node.js Socket.IO servers)
// form a cluster over Redis Streams, wire-compatible with Node's
// @socket.io/redis-streams-adapter 0.3.x.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	io := socketio.NewServer(&socketio.Options{Adapter: redisstreams.New(rdb, nil)})
//
// How it travels, as in Node: broadcasts (without acknowledgements),
// socketsJoin, socketsLeave and disconnectSockets are appended to a Redis
// stream (XADD, trimmed to about MaxLen entries), which every server reads
// with XREAD BLOCK from the last entry it has read; requests that wait for
// answers (fetchSockets, serverSideEmit, broadcasts with acknowledgements)
// are published on the Pub/Sub channel <prefix>#<nsp># and answered on the
// requester's own channel <prefix>#<nsp>#<uid>#. Servers are counted with
// PUBSUB NUMSUB on the first channel (SHARDNUMSUB with UseShardedPubSub).
//
// Because the stream stores its entries, a server that loses Redis for a
// while (a restart, a network cut) reconnects and resumes reading where it
// stopped: it misses nothing the stream still holds. What Pub/Sub carries
// (the requests) is lost meanwhile, and operations that need Redis return
// errors while it is away; local delivery goes on.
//
// With connection state recovery on (socketio.Options.ConnectionStateRecovery),
// each broadcast event's offset is its stream entry id, Node's format, so a
// client can recover its missed events on any server of the cluster, Node
// or Go; the sessions are kept in Redis (see PersistSession and
// RestoreSession). A socket's own emits are then broadcasts to its room,
// stored too, as Node's socket.emit: one with an acknowledgement keeps its
// ack id in the entry (no offset), and is replayed, like every stored
// broadcast, as a plain event with its entry id.
//
// On a Redis Cluster pass a *redis.ClusterClient: the stream lives on the
// master of its key's slot, Pub/Sub messages cross the cluster bus (or go
// to their channel's shard with UseShardedPubSub), and servers are counted
// over every master.
//
// The package redisstreamsemitter publishes into such a cluster from any
// process.
package redisstreams
