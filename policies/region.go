package policies

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Level is the tier of government a document comes from.
type Level string

// The levels, from the narrowest.
const (
	// LevelDistrict is a district, a county, a county-level city or a
	// functional zone governed like one (区/县级市).
	LevelDistrict Level = "district"
	LevelCity     Level = "city"     // 市
	LevelProvince Level = "province" // 省, and municipalities and autonomous regions
	LevelNational Level = "national" // 国家
)

// Levels lists the levels, narrowest first.
var Levels = []Level{LevelDistrict, LevelCity, LevelProvince, LevelNational}

// Valid reports whether l is one of Levels.
func (l Level) Valid() bool { return slices.Contains(Levels, l) }

// Label is the level as officials write it: 区/县级市, 市, 省 or 国家.
func (l Level) Label() string {
	switch l {
	case LevelDistrict:
		return "区/县级市"
	case LevelCity:
		return "市"
	case LevelProvince:
		return "省"
	case LevelNational:
		return "国家"
	}
	return string(l)
}

// ParseLevel reads a level written in English (district, city, province,
// national) or Chinese (区, 县, 县级市, 区/县级市, 市, 省, 国家, 全国).
func ParseLevel(s string) (Level, bool) {
	switch strings.TrimSpace(s) {
	case "district", "区", "县", "县级市", "区/县级市", "区县":
		return LevelDistrict, true
	case "city", "市", "地级市":
		return LevelCity, true
	case "province", "省", "省级":
		return LevelProvince, true
	case "national", "国家", "全国", "国家级":
		return LevelNational, true
	}
	return "", false
}

// NationalRegion is the canonical name of the whole country: national
// measures apply in every region.
const NationalRegion = "全国"

// Region is one entry of the region table (regions.txt).
type Region struct {
	// Name is the canonical name: 吴中区, 苏州市, 江苏省, 全国.
	Name  string
	Level Level
	// Parent is the canonical name of the region that contains this one;
	// "" for 全国.
	Parent string
	// Aliases are the short names (吴中, 园区); ambiguous ones are listed in
	// Ambiguous instead.
	Aliases []string
	// Ambiguous are short names that are also ordinary words (园区, 高新区).
	Ambiguous []string
}

// Regions is a region table: canonical names, short names and containment.
// It is read-only once loaded and safe for concurrent use.
type Regions struct {
	byName map[string]*Region
	// names maps every canonical and short name to its region.
	names map[string]nameEntry
	// byFirst lists the names by their first rune, longest first, for
	// Find's longest match.
	byFirst map[rune][]string
	order   []string
}

type nameEntry struct {
	region    *Region
	ambiguous bool
}

//go:embed regions.txt
var defaultRegionsText string

// DefaultRegions returns the embedded region table (regions.txt): China's
// provinces, Jiangsu's cities and Suzhou's districts and county-level cities.
var DefaultRegions = sync.OnceValue(func() *Regions {
	r, err := LoadRegions("regions.txt", strings.NewReader(defaultRegionsText))
	if err != nil {
		// The embedded file is covered by tests; reaching this is a build defect.
		panic(err)
	}
	return r
})

// LoadRegions reads a region table in the format of regions.txt. A
// malformed line is an error naming name:line.
func LoadRegions(name string, r io.Reader) (*Regions, error) {
	g := &Regions{byName: map[string]*Region{}, names: map[string]nameEntry{}, byFirst: map[rune][]string{}}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want NAME LEVEL PARENT [SHORT-NAMES…], got %q", name, n, line)
		}
		lv, ok := ParseLevel(f[1])
		if !ok {
			return nil, fmt.Errorf("%s:%d: unknown level %q: use 区, 市, 省 or 国家", name, n, f[1])
		}
		reg := &Region{Name: f[0], Level: lv}
		if f[2] != "-" {
			if _, ok := g.byName[f[2]]; !ok {
				return nil, fmt.Errorf("%s:%d: parent %q is not listed above", name, n, f[2])
			}
			reg.Parent = f[2]
		}
		if _, dup := g.byName[reg.Name]; dup {
			return nil, fmt.Errorf("%s:%d: region %q is listed twice", name, n, reg.Name)
		}
		g.byName[reg.Name] = reg
		g.order = append(g.order, reg.Name)
		if err := g.addName(reg.Name, reg, false); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		for _, a := range f[3:] {
			amb := strings.HasSuffix(a, "?")
			a = strings.ReplaceAll(strings.TrimSuffix(a, "?"), "_", " ")
			if amb {
				reg.Ambiguous = append(reg.Ambiguous, a)
			} else {
				reg.Aliases = append(reg.Aliases, a)
			}
			if err := g.addName(a, reg, amb); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for r, names := range g.byFirst {
		slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
		g.byFirst[r] = names
	}
	return g, nil
}

func (g *Regions) addName(name string, reg *Region, ambiguous bool) error {
	if name == "" {
		return fmt.Errorf("empty short name of %s", reg.Name)
	}
	if prev, dup := g.names[name]; dup {
		return fmt.Errorf("name %q is both %s and %s", name, prev.region.Name, reg.Name)
	}
	g.names[name] = nameEntry{region: reg, ambiguous: ambiguous}
	first, _ := utf8.DecodeRuneInString(name)
	g.byFirst[first] = append(g.byFirst[first], name)
	return nil
}

// Lookup returns the region a canonical or short name stands for (吴中 →
// 吴中区, 园区 → 苏州工业园区).
func (g *Regions) Lookup(name string) (Region, bool) {
	e, ok := g.names[strings.TrimSpace(name)]
	if !ok {
		return Region{}, false
	}
	return *e.region, true
}

// Canonical returns the canonical name of name, or name itself when the
// table does not know it.
func (g *Regions) Canonical(name string) string {
	if r, ok := g.Lookup(name); ok {
		return r.Name
	}
	return strings.TrimSpace(name)
}

// All returns the canonical names, parents before their children.
func (g *Regions) All() []string { return slices.Clone(g.order) }

// Ancestors returns the regions that contain name, nearest first (吴中区 →
// 苏州市, 江苏省, 全国); nil for a region the table does not know.
func (g *Regions) Ancestors(name string) []string {
	r, ok := g.byName[g.Canonical(name)]
	if !ok {
		return nil
	}
	var out []string
	for r.Parent != "" {
		out = append(out, r.Parent)
		r = g.byName[r.Parent]
	}
	return out
}

// AppliesIn reports whether a measure of region docRegion applies in region
// where: docRegion is where itself or contains it. Names are canonical or
// short; a name the table does not know applies only in itself.
func (g *Regions) AppliesIn(docRegion, where string) bool {
	d, w := g.Canonical(docRegion), g.Canonical(where)
	return d == w || slices.Contains(g.Ancestors(w), d)
}

// RegionMatch is one region name found in a text.
type RegionMatch struct {
	// Start and End are byte offsets of the name in the text.
	Start, End int
	// Text is the name as written (吴中, 园区, 苏州市).
	Text string
	// Region is the canonical name (吴中区, 苏州工业园区, 苏州市).
	Region string
	Level  Level
	// Ambiguous is set for a short name that is also an ordinary word (园区
	// in 产业园区): take it as a region only when the context says so.
	Ambiguous bool
	// Tier is set when the name is followed by 级 (苏州市级, 江苏省级): it
	// names the tier of an award or title, not where a measure applies.
	Tier bool
}

// Find returns the region names in text, left to right, each the longest
// name that starts at its position (苏州工业园区, not 苏州 and 园区). Text is
// matched as given: fold it first (traditional to simplified, full to half
// width) when it may need it.
func (g *Regions) Find(text string) []RegionMatch {
	var out []RegionMatch
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		matched := ""
		for _, name := range g.byFirst[r] {
			if strings.HasPrefix(text[i:], name) && wordAt(text, i, i+len(name), name) {
				matched = name
				break
			}
		}
		if matched == "" {
			i += size
			continue
		}
		e := g.names[matched]
		end := i + len(matched)
		out = append(out, RegionMatch{
			Start: i, End: end, Text: matched, Region: e.region.Name, Level: e.region.Level,
			Ambiguous: e.ambiguous, Tier: strings.HasPrefix(text[end:], "级"),
		})
		i = end
	}
	return out
}

// wordAt reports whether name, found at text[start:end], stands as a word:
// a Latin name (kunshan, suzhou industrial park) must not continue a word
// or be continued by one (no wuxi in "wuxing"); Han names need no such
// boundary.
func wordAt(text string, start, end int, name string) bool {
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if isASCIIAlnum(first) {
		if r, _ := utf8.DecodeLastRuneInString(text[:start]); start > 0 && isASCIIAlnum(r) {
			return false
		}
	}
	if isASCIIAlnum(last) {
		if r, _ := utf8.DecodeRuneInString(text[end:]); end < len(text) && isASCIIAlnum(r) {
			return false
		}
	}
	return true
}

// InferRegion returns the region a document applies in, read from its
// issuer (苏州市吴中区人民政府 → 吴中区, 工业和信息化部 → 全国) or, when the
// issuer names none, its title: the narrowest region the text names.
// Ambiguous short names and tiers (苏州市级) are not used. It returns "" when
// neither names a region.
func (g *Regions) InferRegion(issuer, title string) string {
	if r := g.narrowest(issuer); r != "" {
		return r
	}
	if nationalIssuer(issuer) {
		return NationalRegion
	}
	return g.narrowest(title)
}

// narrowest returns the narrowest region named in t, "" when none.
func (g *Regions) narrowest(t string) string {
	best := ""
	for _, m := range g.Find(t) {
		if m.Ambiguous || m.Tier {
			continue
		}
		if best == "" || g.AppliesIn(best, m.Region) {
			best = m.Region
		}
	}
	return best
}

// nationalBodies are issuers of national measures that name no region.
var nationalBodies = []string{
	"国务院", "中共中央", "中华人民共和国", "全国人民代表大会", "工业和信息化部", "财政部", "商务部",
	"科学技术部", "科技部", "人力资源和社会保障部", "文化和旅游部", "农业农村部", "生态环境部",
	"自然资源部", "住房和城乡建设部", "交通运输部", "教育部", "民政部", "水利部", "应急管理部",
	"审计署", "中国人民银行", "海关总署",
}

// nationalIssuer reports whether issuer is a national body: one of
// nationalBodies, or a 国家… administration (国家发展改革委, 国家税务总局).
func nationalIssuer(issuer string) bool {
	issuer = strings.TrimSpace(issuer)
	if strings.HasPrefix(issuer, "国家") && !strings.HasPrefix(issuer, "国家级") {
		return true
	}
	for _, b := range nationalBodies {
		if strings.HasPrefix(issuer, b) {
			return true
		}
	}
	return false
}
