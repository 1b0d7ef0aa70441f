package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const usage = `policybot — answers questions about enterprise-support policies, with citations.

Usage:
  policybot check [PATH...]                    validate policy files (default: the bundled corpus)
  policybot ask [--json] [--conversation ID] QUESTION
  policybot match [--json] [--full] TEXT|--profile FILE   the measures a company may qualify for, with the estimated amounts
  policybot eval [--json] [--min-hit1 X ...] FILE...
  policybot serve                              run the web server: chat API, widget, policy pages, Slack, admin (POLICYBOT_ADDR, default :8080)
  policybot docs list|upload|publish|retire|rollback|history|audit   manage the corpus of a running server (--server URL, POLICYBOT_ADMIN_TOKEN)

Configuration comes from the environment and from ./.env (see .env.example).
`

// errSilent marks an error whose details were already printed; main only
// sets the exit status.
type errSilent struct{ msg string }

func (e errSilent) Error() string { return e.msg }

// run is the whole program: main only calls it. getenv, stdin, stdout and
// stderr are injected so tests run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	getenv, err := withDotEnv(getenv, ".env")
	if err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "check":
		return runCheck(ctx, cfg, rest, stdout, stderr)
	case "ask":
		return runAsk(ctx, cfg, rest, stdin, stdout, stderr)
	case "match":
		return runMatch(ctx, cfg, rest, stdin, stdout, stderr)
	case "eval":
		return runEval(ctx, cfg, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, cfg, rest, stdout, stderr)
	case "docs":
		return runDocs(ctx, cfg.Admin, rest, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
