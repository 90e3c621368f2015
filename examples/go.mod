module github.com/gosio/gosio/examples

go 1.26

require (
	github.com/gosio/gosio v0.0.0
	go.etcd.io/bbolt v1.5.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/ws v1.5.0 // indirect
	github.com/redis/go-redis/v9 v9.17.3 // indirect
	golang.org/x/sys v0.45.0 // indirect
)

replace github.com/gosio/gosio => ../
