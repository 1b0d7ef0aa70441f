package corpus

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"policybot/corpus/record"
	"policybot/policies"
)

// The snapshot cache: the store's versions, parsed, kept until the store's
// generation moves, and what the index holds of them.

// snapshot returns the store's versions, parsed, reloading them when the
// store's generation moved.
func (s *Service) snapshot(ctx context.Context) (*snapshot, error) {
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("corpus generation: %w", err)
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.snap != nil && s.snap.gen == gen {
		return s.snap, nil
	}
	gen, vs, err := s.store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the corpus: %w", err)
	}
	// Parsing is what a reload costs (a second for a thousand documents of
	// a hundred articles): the versions parsed before are kept, the others
	// parsed on every core.
	keep := make([]parsed, len(vs))
	var todo []int
	for i := range vs {
		sum := sha256.Sum256(vs[i].Markdown)
		p, ok := s.parsed[versionKey(vs[i].DocID, vs[i].N)]
		if !ok || p.sum != sum {
			p = parsed{sum: sum}
			todo = append(todo, i)
		}
		keep[i] = p
	}
	var g errgroup.Group
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	for w := range workers {
		g.Go(func() error {
			for j := w; j < len(todo); j += workers {
				i := todo[j]
				keep[i].doc, keep[i].findings = s.parser.Parse(versionKey(vs[i].DocID, vs[i].N), vs[i].Markdown)
			}
			return nil
		})
	}
	g.Wait()
	s.parsed = make(map[string]parsed, len(vs))
	for i := range vs {
		vs[i].Doc, vs[i].Findings = keep[i].doc, keep[i].findings
		s.parsed[versionKey(vs[i].DocID, vs[i].N)] = keep[i]
	}
	s.snap = newSnapshot(gen, vs)
	return s.snap, nil
}

func versionKey(id string, n int) string { return id + "@v" + strconv.Itoa(n) }

// snapshot is the corpus at one generation. It is never modified.
type snapshot struct {
	gen   int64
	all   []record.Version
	byDoc map[string][]int // indexes into all, by version number
	ids   []string
}

func newSnapshot(gen int64, vs []record.Version) *snapshot {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].DocID != vs[j].DocID {
			return vs[i].DocID < vs[j].DocID
		}
		return vs[i].N < vs[j].N
	})
	st := &snapshot{gen: gen, all: vs, byDoc: map[string][]int{}}
	for i, v := range vs {
		if _, ok := st.byDoc[v.DocID]; !ok {
			st.ids = append(st.ids, v.DocID)
		}
		st.byDoc[v.DocID] = append(st.byDoc[v.DocID], i)
	}
	return st
}

func (st *snapshot) versions(id string) []*record.Version {
	var out []*record.Version
	for _, i := range st.byDoc[id] {
		out = append(out, &st.all[i])
	}
	return out
}

func (st *snapshot) version(id string, n int) *record.Version {
	for _, i := range st.byDoc[id] {
		if st.all[i].N == n {
			return &st.all[i]
		}
	}
	return nil
}

func (st *snapshot) latest(id string) int {
	n := 0
	for _, i := range st.byDoc[id] {
		n = max(n, st.all[i].N)
	}
	return n
}

// current is the published or retired version of id, or nil.
func (st *snapshot) current(id string) *record.Version {
	var cur *record.Version
	for _, i := range st.byDoc[id] {
		if st.all[i].Current() {
			cur = &st.all[i]
		}
	}
	return cur
}

// apply returns the snapshot c leads to (generation unknown).
func (st *snapshot) apply(c record.Change) *snapshot {
	all := append([]record.Version(nil), st.all...)
	for _, u := range c.Update {
		for i := range all {
			if all[i].DocID == u.DocID && all[i].N == u.N {
				all[i].Status, all[i].PublishedAt, all[i].RetiredFrom = u.Status, u.PublishedAt, u.RetiredFrom
			}
		}
	}
	all = append(all, c.Add...)
	return newSnapshot(-1, all)
}

// liveSet returns the documents live at now (in id order), a key naming
// their versions, and the earliest future retire date among them.
func (st *snapshot) liveSet(now time.Time) ([]*policies.Document, string, time.Time) {
	var docs []*policies.Document
	var key strings.Builder
	var next time.Time
	for _, id := range st.ids {
		v := st.current(id)
		if v == nil || !v.LiveAt(now) || v.Doc == nil {
			continue
		}
		docs = append(docs, v.Doc)
		key.WriteString(versionKey(id, v.N))
		key.WriteByte(',')
		if v.Status == record.Retired && (next.IsZero() || v.RetiredFrom.Before(next)) {
			next = v.RetiredFrom
		}
	}
	return docs, key.String(), next
}
