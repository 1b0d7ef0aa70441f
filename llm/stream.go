package llm

import "strings"

// Reasoning models served by Ollama or vLLM (DeepSeek-R1, QwQ, Qwen3) write
// their reasoning first, inside <think>…</think>, in the answer itself.
// Neither a user nor the guard should see it.
const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// stripThink removes a leading <think> block. An unterminated one (the
// reply was cut off while reasoning) leaves nothing.
func stripThink(s string) string {
	t := strings.TrimLeft(s, " \t\r\n")
	if !strings.HasPrefix(t, thinkOpen) {
		return s
	}
	_, after, ok := strings.Cut(t, thinkClose)
	if !ok {
		return ""
	}
	return after
}

// thinkFilter forwards streamed chunks to emit, minus a leading <think>
// block and the blank lines after it. It holds back only the first bytes of
// the stream, until they show whether the reply starts with <think>.
type thinkFilter struct {
	emit  func(string)
	state filterState
	buf   strings.Builder
}

type filterState int

const (
	undecided filterState = iota
	thinking
	afterThink // dropping the whitespace between </think> and the answer
	passing
)

func (f *thinkFilter) write(chunk string) {
	if chunk == "" {
		return
	}
	if f.state == passing {
		f.emit(chunk)
		return
	}
	f.buf.WriteString(chunk)
	s := f.buf.String()
	switch f.state {
	case undecided:
		t := strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(t, thinkOpen):
			f.state = thinking
			f.afterOpen()
		case strings.HasPrefix(thinkOpen, t):
			// could still become <think>: wait for more
		default:
			f.state = passing
			f.buf.Reset()
			f.emit(s)
		}
	case thinking:
		f.afterOpen()
	case afterThink:
		f.buf.Reset()
		f.pass(s)
	}
}

// afterOpen looks for the end of the think block in the buffer.
func (f *thinkFilter) afterOpen() {
	_, after, ok := strings.Cut(f.buf.String(), thinkClose)
	if !ok {
		return
	}
	f.buf.Reset()
	f.state = afterThink
	f.pass(after)
}

// pass emits s without its leading whitespace, and from then on everything.
func (f *thinkFilter) pass(s string) {
	if t := strings.TrimLeft(s, " \t\r\n"); t != "" {
		f.state = passing
		f.emit(t)
	}
}

// flush emits what is still held back at the end of a stream that never
// showed whether it started with <think> (a reply shorter than "<think>").
func (f *thinkFilter) flush() {
	if f.state == undecided && f.buf.Len() > 0 {
		f.emit(f.buf.String())
		f.buf.Reset()
	}
}
