package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Isolation of the model path. Answering is CPU work (retrieval, evidence,
// quoting) bounded by Config.MaxConcurrent; waiting for a language model is
// not, and is bounded separately by Config.MaxGenerations. A question holds
// a CPU slot only while the bot works on it, never while it waits for the
// model, so questions that need no model (refusals, clarifications, any
// question while the circuit breaker is open) never wait behind slow model
// calls.
//
// Every model call of a question shares one deadline (Config.GeneratorTimeout,
// LLM_DEADLINE); each attempt has its own timeout in the adapter
// (LLM_TIMEOUT). After Config.BreakerFailures consecutive failures the
// circuit breaker opens: questions are answered offline at once, without a
// call, until Config.BreakerCooldown has passed; then one question probes
// the model again (half-open), and its success closes the breaker.

// Defaults of the isolation settings.
const (
	DefaultMaxGenerations  = 32
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
)

// ErrModelBusy is the error of a model call that found no free model slot
// before the question's deadline, and ErrBreakerOpen that of one the circuit
// breaker did not let through. The offline answer is given instead.
var (
	ErrModelBusy   = errors.New("language model busy: no free slot before the deadline")
	ErrBreakerOpen = errors.New("language model circuit breaker open")
)

// ModelStatus is the state of the model path, for /readyz and metrics.
type ModelStatus struct {
	// Configured is false when the bot answers offline only; the other
	// fields are then zero.
	Configured bool `json:"configured"`
	// Name is the generator's name ("openai:qwen-plus").
	Name string `json:"name,omitempty"`
	// Breaker is "closed" (calls go through), "open" (answers are offline
	// without a call until OpenUntil) or "half-open" (one call probes).
	Breaker string `json:"breaker,omitempty"`
	// ConsecutiveFailures counts the failed calls since the last success.
	ConsecutiveFailures uint32 `json:"consecutive_failures"`
	// OpenUntil is when an open breaker lets a probe through.
	OpenUntil time.Time `json:"open_until,omitzero"`
	// InFlight are the model calls being made, Waiting the questions
	// waiting for a model slot, Capacity the slots.
	InFlight int `json:"in_flight"`
	Waiting  int `json:"waiting"`
	Capacity int `json:"capacity"`
	// Opened counts the times the breaker opened; ShortCircuited the calls
	// it answered offline without calling; Busy the calls that found no
	// free slot in time. All since the start.
	Opened         uint64 `json:"opened"`
	ShortCircuited uint64 `json:"short_circuited"`
	Busy           uint64 `json:"busy"`
}

// limits are a bot's CPU slots, model slots and circuit breaker.
type limits struct {
	cpu      chan struct{}
	model    chan struct{}
	breaker  *gobreaker.CircuitBreaker[struct{}]
	cooldown time.Duration
	now      func() time.Time

	waiting        atomic.Int64
	opened         atomic.Uint64
	shortCircuited atomic.Uint64
	busy           atomic.Uint64

	mu       sync.Mutex
	openedAt time.Time
}

func newLimits(cfg *Config) *limits {
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 2 * runtime.GOMAXPROCS(0)
	}
	if cfg.MaxGenerations <= 0 {
		cfg.MaxGenerations = DefaultMaxGenerations
	}
	if cfg.BreakerFailures <= 0 {
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	if cfg.BreakerCooldown <= 0 {
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	l := &limits{
		cpu:      make(chan struct{}, cfg.MaxConcurrent),
		model:    make(chan struct{}, cfg.MaxGenerations),
		cooldown: cfg.BreakerCooldown,
		now:      cfg.Now,
	}
	failures := uint32(cfg.BreakerFailures)
	log := cfg.Logger
	l.breaker = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "llm",
		MaxRequests: 1,
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		// A question whose client left, or whose answer the guard stopped,
		// says nothing about the model's health.
		IsExcluded: func(err error) bool { return errors.Is(err, errCallerGone) || errors.Is(err, errStopped) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				l.opened.Add(1)
				l.mu.Lock()
				l.openedAt = l.now()
				l.mu.Unlock()
				log.Error("language model circuit breaker opened: answering offline", "after_failures", failures, "cooldown", l.cooldown)
			} else {
				log.Warn("language model circuit breaker", "from", from.String(), "to", to.String())
			}
		},
	})
	return l
}

// errCallerGone marks a call cut short because the question's caller went
// away (not the model's fault); errStopped one the guard stopped.
var (
	errCallerGone = errors.New("caller gone")
	errStopped    = errors.New("stopped by the guard")
)

type cpuSlotKey struct{}

// cpuSlot is the CPU slot of a question: held while the bot works on it,
// freed while it waits for the model, taken again after. Only the
// question's own goroutine uses it.
type cpuSlot struct {
	mu   sync.Mutex
	cpu  chan struct{}
	done <-chan struct{} // the question's context, for the wait to take it again
	held bool
}

func (s *cpuSlot) free() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		<-s.cpu
		s.held = false
	}
}

// take waits for a CPU slot again (in arrival order, behind the questions
// already waiting). A question whose caller has gone goes on without one:
// it is about to end.
func (s *cpuSlot) take() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		return
	}
	select {
	case s.cpu <- struct{}{}:
		s.held = true
	case <-s.done:
	}
}

// enterCPU waits for a CPU slot (in arrival order) and returns a context that
// carries it and the function that frees it; the model path frees it while
// it waits for the model (see callModel). Beyond the slots, questions
// wait their turn instead of all sharing the CPU at once, which keeps the
// slowest answers close to the typical ones under load.
func (b *Bot) enterCPU(ctx context.Context) (context.Context, func(), error) {
	select {
	case b.lim.cpu <- struct{}{}:
	case <-ctx.Done():
		return ctx, func() {}, ctx.Err()
	}
	s := &cpuSlot{cpu: b.lim.cpu, done: ctx.Done(), held: true}
	return context.WithValue(ctx, cpuSlotKey{}, s), s.free, nil
}

// callModel makes one model call through the breaker and a model slot,
// freeing the question's CPU slot (if ctx carries one) for the wait and
// the call, and taking one again after, for the work that follows (the
// guard's last check, composing an answer from a judged article). The call
// gets ctx, which carries the question's deadline.
func (b *Bot) callModel(ctx context.Context, call func(context.Context) error) error {
	l := b.lim
	if l.breaker.State() == gobreaker.StateOpen {
		l.shortCircuited.Add(1)
		return ErrBreakerOpen
	}
	if s, ok := ctx.Value(cpuSlotKey{}).(*cpuSlot); ok {
		s.free()
		defer s.take()
	}
	l.waiting.Add(1)
	select {
	case l.model <- struct{}{}:
		l.waiting.Add(-1)
	case <-ctx.Done():
		l.waiting.Add(-1)
		l.busy.Add(1)
		return fmt.Errorf("%w: %w", ErrModelBusy, ctx.Err())
	}
	defer func() { <-l.model }()
	_, err := l.breaker.Execute(func() (struct{}, error) {
		err := call(ctx)
		if err != nil && ctx.Err() == context.Canceled {
			err = fmt.Errorf("%w: %w", errCallerGone, err)
		}
		return struct{}{}, err
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		l.shortCircuited.Add(1)
		return ErrBreakerOpen
	}
	return err
}

// ModelStatus reports the state of the model path.
func (b *Bot) ModelStatus() ModelStatus {
	if b.cfg.Generator == nil {
		return ModelStatus{}
	}
	l := b.lim
	st := ModelStatus{
		Configured: true, Name: b.cfg.Generator.Name(), Breaker: l.breaker.State().String(),
		ConsecutiveFailures: l.breaker.Counts().ConsecutiveFailures,
		InFlight:            len(l.model), Waiting: int(l.waiting.Load()), Capacity: cap(l.model),
		Opened: l.opened.Load(), ShortCircuited: l.shortCircuited.Load(), Busy: l.busy.Load(),
	}
	if l.breaker.State() == gobreaker.StateOpen {
		l.mu.Lock()
		st.OpenUntil = l.openedAt.Add(l.cooldown)
		l.mu.Unlock()
	}
	return st
}
