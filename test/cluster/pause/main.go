// Command pause is PID 1 of every pod sandbox on the real test node (test/cluster/start.sh
// --real-node). It holds the pod's namespaces open, reaps any child re-parented to it, and
// exits 0 on SIGTERM or SIGINT so that a pod delete does not wait for the grace period.
// Static (CGO_ENABLED=0), no dependencies: the image is this one file.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		os.Stdout.WriteString("slipway-test pause\n")
		return
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
