// Command hostile attacks gosio as an adversary would, with the raw client
// of internal/hostile: one scenario per finding of issue 15 and per
// protection that held before it, each against a fresh target server
// (interop/cmd/hostiletarget) in a child process, measuring its RSS, heap
// after GC, goroutines, sessions, sockets and rooms before, during and
// after, and that a fresh client connects and gets an ack in under 1 s
// throughout. It prints a Markdown table and exits 1 if a scenario failed.
//
// The full-scale run of docs/ROBUSTNESS.md:
//
//	go run ./interop/cmd/hostile -scale full
//
// -run selects scenarios by a regular expression on their names, -list
// lists them, -target uses a target binary built already, -target-args
// passes arguments to it (-plain-http-server serves with net/http's zero
// values, as http.ListenAndServe does: the header-flood "before").
//
// Node's socket.io answers the same inputs with
//
//	(cd bench/node && npm ci)
//	go run ./interop/cmd/hostile -scale full -target bench/node/hostile-target.sh
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gosio/gosio/internal/hostile"
)

func main() {
	scale := flag.String("scale", "small", "small (the make test run) or full (the documented figures)")
	run := flag.String("run", "", "only the scenarios whose name matches this regular expression")
	list := flag.Bool("list", false, "list the scenarios and exit")
	target := flag.String("target", "", "the target server binary (default: built from ./interop/cmd/hostiletarget)")
	targetArgs := flag.String("target-args", "", "extra arguments for the target, space-separated (e.g. -plain-http-server)")
	flag.Parse()

	scenarios, err := hostile.Select(*run)
	if err != nil {
		fatal(err)
	}
	if *list {
		for _, sc := range scenarios {
			fmt.Printf("%-28s %s\n", sc.Name, sc.What)
		}
		return
	}
	sc := hostile.Small
	switch *scale {
	case "small":
	case "full":
		sc = hostile.Full
	default:
		fatal(fmt.Errorf("-scale %q: small or full", *scale))
	}
	bin := *target
	if bin == "" {
		dir, err := os.MkdirTemp("", "hostile")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "hostiletarget")
		build := exec.Command("go", "build", "-o", bin, "github.com/gosio/gosio/interop/cmd/hostiletarget")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fatal(fmt.Errorf("building the target: %w", err))
		}
	}

	fmt.Println(hostile.TableHeader)
	var failed []*hostile.Result
	for _, s := range scenarios {
		r := hostile.Run(s, bin, sc, strings.Fields(*targetArgs)...)
		fmt.Println(r.Row())
		if !r.Passed() {
			failed = append(failed, r)
		}
	}
	for _, r := range failed {
		fmt.Printf("\n%s (%s) failed:\n", r.Name, r.What)
		for _, f := range r.Failures {
			fmt.Println("  -", f)
		}
	}
	if len(failed) > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hostile:", err)
	os.Exit(2)
}
