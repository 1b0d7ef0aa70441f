// Command policybot answers companies' questions about enterprise-support
// policies from the policy texts, with a citation for every answer.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	// The one place an error leaves the program: a refusal of the core
	// (*fault.Error) prints as "English (中文)", what to do included.
	if err != nil {
		fmt.Fprintln(os.Stderr, "policybot:", err)
		os.Exit(1)
	}
}
