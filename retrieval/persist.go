package retrieval

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FormatVersion is the version of the on-disk index. Bump it whenever the
// files, the chunking, the indexed text or the lexical mapping change
// meaning, so that indexes written by older binaries are rebuilt rather
// than misread.
const FormatVersion = 3

// Names in Options.Dir.
const (
	manifestFile   = "manifest.json"
	vectorsPrefix  = "vectors-"  // vectors-N.bin
	embedderPrefix = "embedder-" // embedder-N.gob, the local embedder's counts
	lexicalPrefix  = "lexical-"
	tmpPrefix      = ".tmp-"
)

// manifest describes the index in a directory. It is written last, after
// the files it names, and it records the checksums of the vector files: a
// crash mid-save, a truncated or overwritten file all show as a mismatch,
// and the part is rebuilt. The lexical index is bleve's directory, updated
// in place; bleve persists its own snapshots, and its segment files carry
// their own checksums (checkSegments).
type manifest struct {
	Format  int          `json:"format"`
	Lexical *lexicalPart `json:"lexical,omitempty"`
	Vectors *vectorPart  `json:"vectors,omitempty"`
	Saved   time.Time    `json:"saved"`
}

// lexicalPart is the bleve index, a directory.
type lexicalPart struct {
	Dir      string `json:"dir"`
	Analyzer string `json:"analyzer"`
}

// vectorPart is the vectors with the chunk each row holds and, for the
// local embedder, its document frequencies.
type vectorPart struct {
	Embedder EmbedderIdentity   `json:"embedder"`
	Files    map[string]fileSum `json:"files"`
	// Chunks is the number of chunks the vectors hold.
	Chunks int `json:"chunks"`
}

type fileSum struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func sum(data []byte) fileSum {
	h := sha256.Sum256(data)
	return fileSum{SHA256: hex.EncodeToString(h[:]), Size: int64(len(data))}
}

// checkManifest reads dir's manifest and checks its format. It returns
// nil and, for the log, a short reason and the error when the saved index
// cannot be used at all.
func checkManifest(dir string) (*manifest, string, error) {
	m, err := readManifest(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, "no index yet", err
	case err != nil:
		return nil, "manifest unreadable", err
	case m.Format != FormatVersion:
		return nil, "format changed", fmt.Errorf("format %d, want %d", m.Format, FormatVersion)
	}
	return m, "", nil
}

// readManifest reads dir's manifest; os.ErrNotExist when there is none.
func readManifest(dir string) (*manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return &m, nil
}

// errInUse reports a saved lexical index that another process has open.
var errInUse = errors.New("the lexical index is in use by another process")

// loadLexical opens the saved bleve index for updates.
func (ix *Index) loadLexical(p *lexicalPart) error {
	if p.Analyzer != BigramAnalyzer {
		return fmt.Errorf("built with analyzer %q, want %q", p.Analyzer, BigramAnalyzer)
	}
	if p.Dir == "" || filepath.Base(p.Dir) != p.Dir || !strings.HasPrefix(p.Dir, lexicalPrefix) {
		return fmt.Errorf("bad lexical directory %q", p.Dir)
	}
	path := filepath.Join(ix.dir, p.Dir)
	if inUse(filepath.Join(path, "store", "root.bolt")) {
		return errInUse
	}
	lex, hashes, err := openLexicalDir(path)
	if err != nil {
		return err
	}
	ix.lex, ix.lexHashes = lex, hashes
	return nil
}

// loadVectors loads the saved vectors after checking the embedder and the
// files. On failure it returns a short reason for the log and the error.
func (ix *Index) loadVectors(p *vectorPart) (string, error) {
	want := ix.emb.Identity()
	if p.Embedder.Provider != want.Provider || p.Embedder.Model != want.Model || (want.Dim != 0 && p.Embedder.Dim != want.Dim) {
		return "embedder changed", fmt.Errorf("built by %s (dim %d), now %s (dim %d)", p.Embedder, p.Embedder.Dim, want, want.Dim)
	}
	var vecName, embName string
	for name := range p.Files {
		switch {
		case strings.HasPrefix(name, vectorsPrefix):
			vecName = name
		case strings.HasPrefix(name, embedderPrefix):
			embName = name
		}
	}
	emb := ix.emb
	if _, ok := ix.emb.(*LocalEmbedder); ok {
		if embName == "" {
			return "files damaged", errors.New("manifest lists no local embedder state")
		}
		data, err := readChecked(ix.dir, p.Files, embName)
		if err != nil {
			return "files damaged", err
		}
		trained, err := unmarshalLocal(data)
		if err != nil {
			return "files damaged", err
		}
		if trained.dim != want.Dim {
			return "embedder changed", fmt.Errorf("saved dim %d, want %d", trained.dim, want.Dim)
		}
		emb = trained
	}
	if vecName == "" {
		return "files damaged", errors.New("manifest lists no vectors")
	}
	slots, vec, err := readVectors(ix.dir, vecName, p.Files[vecName])
	if err != nil {
		return "files damaged", err
	}
	if vec.dim() != p.Embedder.Dim && len(slots) > 0 {
		return "files damaged", fmt.Errorf("vectors of length %d, manifest says %d", vec.dim(), p.Embedder.Dim)
	}
	ix.emb, ix.vec, ix.ident = emb, vec, p.Embedder
	ix.slots = slots
	for r, s := range slots {
		if s.chunk.ID == "" {
			ix.free = append(ix.free, r)
		} else {
			ix.byID[s.chunk.ID] = r
		}
	}
	return "", nil
}

// readChecked reads dir/name and checks it against the sums.
func readChecked(dir string, sums map[string]fileSum, name string) ([]byte, error) {
	want, ok := sums[name]
	if !ok {
		return nil, fmt.Errorf("manifest lists no %s", name)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	if got := sum(data); got != want {
		return nil, fmt.Errorf("%s: %d bytes with sha256 %.12s, manifest says %d bytes with %.12s",
			name, got.Size, got.SHA256, want.Size, want.SHA256)
	}
	return data, nil
}

// save writes the vectors (and the local embedder's counts) to new files,
// then the manifest naming them and the lexical directory.
func (ix *Index) save() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.saveLocked()
}

// saveLocked is save with ix.mu held.
func (ix *Index) saveLocked() error {
	start := time.Now()
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	files := map[string]fileSum{}
	if le, ok := ix.emb.(*LocalEmbedder); ok {
		data, err := le.marshal()
		if err != nil {
			return fmt.Errorf("local embedder state: %w", err)
		}
		name := embedderPrefix + stamp + ".gob"
		if err := writeAtomic(ix.dir, name, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return err
		}
		files[name] = sum(data)
	}
	name := vectorsPrefix + stamp + ".bin"
	h := sha256.New()
	var size int64
	err := writeAtomic(ix.dir, name, func(w io.Writer) error {
		cw := &countWriter{w: io.MultiWriter(w, h)}
		err := writeVectors(cw, ix.slots, ix.vec)
		size = cw.n
		return err
	})
	if err != nil {
		return err
	}
	files[name] = fileSum{SHA256: hex.EncodeToString(h.Sum(nil)), Size: size}
	m := &manifest{Format: FormatVersion, Saved: ix.now().UTC(),
		Vectors: &vectorPart{Embedder: ix.ident, Files: files, Chunks: len(ix.byID)}}
	if ix.lex != nil && ix.lex.path != "" {
		m.Lexical = &lexicalPart{Dir: filepath.Base(ix.lex.path), Analyzer: BigramAnalyzer}
	}
	if err := writeManifest(ix.dir, m); err != nil {
		return err
	}
	ix.dirty = false
	ix.log.Debug("retrieval: index saved", "dir", ix.dir, "chunks", len(ix.byID), "bytes", size, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// vectorsMagic starts a vectors file.
const vectorsMagic = "PBVECS3\n"

// writeVectors writes the rows (chunk ID and hash of each slot, "" for a
// free one) and the slabs of vec, little-endian float32 column by column
// as they are in memory (the last slab's columns only as long as its rows).
func writeVectors(w io.Writer, slots []slot, vec *slabStore) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(vectorsMagic)
	var buf []byte
	buf = binary.AppendUvarint(buf, uint64(vec.dim()))
	buf = binary.AppendUvarint(buf, uint64(len(slots)))
	bw.Write(buf)
	for _, s := range slots {
		id := s.chunk.ID
		buf = binary.AppendUvarint(buf[:0], uint64(len(id)))
		buf = append(buf, id...)
		buf = binary.LittleEndian.AppendUint64(buf, s.hash)
		bw.Write(buf)
	}
	// Each slab column by column; the last slab only as far as its rows
	// go, so that a small corpus has a small file.
	for base := 0; base < len(slots) && vec.dim() > 0; base += slabRows {
		n := min(slabRows, len(slots)-base)
		slab := vec.slabs[base/slabRows]
		buf = buf[:0]
		for c := range vec.dim() {
			for _, x := range slab[c*slabRows : c*slabRows+n] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// maxVectorRows bounds what a vectors file may claim, so a damaged header
// cannot make readVectors allocate without end.
const maxVectorRows, maxVectorDim = 1 << 24, 1 << 14

// readVectors reads what writeVectors wrote to dir/name and checks it
// against want. The slots it returns have their chunk ID and hash set, and
// no document.
func readVectors(dir, name string, want fileSum) ([]slot, *slabStore, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || info.Size() != want.Size {
		return nil, nil, fmt.Errorf("%s: size differs from the manifest's %d bytes (%v)", name, want.Size, err)
	}
	h := sha256.New()
	r := bufio.NewReaderSize(io.TeeReader(f, h), 1<<20)
	slots, vec, err := decodeVectors(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, nil, err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return nil, nil, fmt.Errorf("%s: sha256 %.12s, manifest says %.12s", name, got, want.SHA256)
	}
	return slots, vec, nil
}

func decodeVectors(r *bufio.Reader) ([]slot, *slabStore, error) {
	magic := make([]byte, len(vectorsMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != vectorsMagic {
		return nil, nil, fmt.Errorf("not a vectors file (%v)", err)
	}
	dim, err := binary.ReadUvarint(r)
	if err != nil || dim > maxVectorDim {
		return nil, nil, fmt.Errorf("bad dimension %d (%v)", dim, err)
	}
	rows, err := binary.ReadUvarint(r)
	if err != nil || rows > maxVectorRows || (rows > 0 && dim == 0) {
		return nil, nil, fmt.Errorf("bad row count %d (%v)", rows, err)
	}
	slots := make([]slot, rows)
	seen := map[string]bool{}
	for i := range slots {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > 1<<10 {
			return nil, nil, fmt.Errorf("row %d: bad ID length %d (%v)", i, n, err)
		}
		id := make([]byte, n)
		var hb [8]byte
		if _, err := io.ReadFull(r, id); err != nil {
			return nil, nil, err
		}
		if _, err := io.ReadFull(r, hb[:]); err != nil {
			return nil, nil, err
		}
		slots[i] = slot{chunk: Chunk{ID: string(id)}, hash: binary.LittleEndian.Uint64(hb[:])}
		if n > 0 {
			if seen[string(id)] || slots[i].hash == 0 {
				return nil, nil, fmt.Errorf("row %d: chunk %q twice or without hash", i, id)
			}
			seen[string(id)] = true
		}
	}
	vec := newSlabStore(int(dim))
	var buf []byte
	for base := 0; base < int(rows); base += slabRows {
		n := min(slabRows, int(rows)-base)
		buf = slices.Grow(buf[:0], n*int(dim)*4)[:n*int(dim)*4]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, nil, fmt.Errorf("slab %d: %w", base/slabRows, err)
		}
		slab := make([]float32, slabRows*int(dim))
		k := 0
		for c := range int(dim) {
			col := slab[c*slabRows : c*slabRows+n]
			for i := range col {
				col[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*k:]))
				k++
			}
		}
		vec.slabs = append(vec.slabs, slab)
	}
	vec.stored = make([]bool, rows)
	for i, s := range slots {
		vec.stored[i] = s.chunk.ID != ""
	}
	return slots, vec, nil
}

// writeAtomic writes dir/name through a temporary file, fsync and a rename,
// so readers see the old file or the new one, never a part.
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

// writeManifest writes m and then removes what it no longer names: lexical
// directories of earlier builds that no index has open, vector and
// embedder files of earlier saves, and temporary files more than an hour
// old (left by a crash; younger ones may belong to a save in progress).
func writeManifest(dir string, m *manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(dir, manifestFile, func(w io.Writer) error { _, err := w.Write(append(data, '\n')); return err }); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		stale := false
		switch {
		case strings.HasPrefix(name, lexicalPrefix):
			stale = (m.Lexical == nil || name != m.Lexical.Dir) && !inUse(filepath.Join(dir, name, "store", "root.bolt"))
		case strings.HasPrefix(name, vectorsPrefix), strings.HasPrefix(name, embedderPrefix),
			name == "vectors.gob", name == "embedder.gob": // format 1
			_, named := m.Vectors.fileNamed(name)
			stale = !named
		case strings.HasPrefix(name, tmpPrefix):
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				stale = true
			}
		}
		if stale {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (p *vectorPart) fileNamed(name string) (fileSum, bool) {
	if p == nil {
		return fileSum{}, false
	}
	s, ok := p.Files[name]
	return s, ok
}
