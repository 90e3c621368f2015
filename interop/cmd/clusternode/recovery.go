package main

import (
	"flag"
	"time"

	"github.com/gosio/gosio/socketio"
)

// optionHooks change the server's options before it is made; files of
// this command that add a flag register one.
var optionHooks []func(*socketio.Options)

// -recovery turns connection state recovery on, with Node's settings as
// interop/cluster/recovery.test.mjs gives its Node server (one minute,
// middlewares skipped on recovery). With the "streams" adapter the
// sessions and missed events live in Redis, shared with Node servers.
var recoveryFlag = flag.Bool("recovery", false, "connection state recovery on")

func init() {
	optionHooks = append(optionHooks, func(o *socketio.Options) {
		if *recoveryFlag {
			o.ConnectionStateRecovery = &socketio.RecoveryOptions{
				MaxDisconnectionDuration: time.Minute,
				SkipMiddlewares:          true,
			}
		}
	})
}
