package main

import (
	"context"
	"io"
)

func runAsk(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return nil
}
func runEval(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	return nil
}
