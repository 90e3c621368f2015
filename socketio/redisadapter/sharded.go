package redisadapter
import ("github.com/redis/go-redis/v9"; "github.com/gosio/gosio/socketio")
func NewSharded(client redis.UniversalClient, opts *Options) func(*socketio.Namespace) socketio.Adapter { return New(client, opts) }
