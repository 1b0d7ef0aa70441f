package retrieval

import (
	"context"
	"slices"
	"testing"

	"policybot/policies"
)

// scopedDocs are look-alike measures of several regions and years: the
// same article with other figures, and a document of unknown region.
func scopedDocs(tb testing.TB) []*policies.Document {
	tb.Helper()
	doc := func(id, region string, level policies.Level, year int, amount string) *policies.Document {
		return &policies.Document{ID: id, Title: region + "制造业高质量发展若干政策", Category: policies.Manufacturing,
			Region: region, Level: level, Year: year,
			EffectiveFrom: date(tb, "2020-01-01"), EffectiveTo: date(tb, "2030-12-31"), CiteBy: policies.ByArticle,
			Articles: []policies.Article{{Number: 1, Text: "首次认定为国家级专精特新“小巨人”企业的，奖励" + amount + "。"}}}
	}
	unknown := doc("unknown", "", "", 0, "1万元")
	unknown.Title = "制造业高质量发展若干政策"
	expired := doc("wz-2022", "吴中区", policies.LevelDistrict, 2022, "30万元")
	expired.EffectiveTo = date(tb, "2022-12-31")
	return []*policies.Document{
		doc("wz-2025", "吴中区", policies.LevelDistrict, 2025, "50万元"),
		expired,
		doc("xc-2025", "相城区", policies.LevelDistrict, 2025, "60万元"),
		doc("sz-2025", "苏州市", policies.LevelCity, 2025, "80万元"),
		doc("js-2024", "江苏省", policies.LevelProvince, 2024, "100万元"),
		doc("cn-2025", "全国", policies.LevelNational, 2025, "200万元"),
		doc("zj-2025", "浙江省", policies.LevelProvince, 2025, "70万元"),
		unknown,
	}
}

func TestSearchRegionYearFilters(t *testing.T) {
	ix := openTest(t, scopedDocs(t), Options{})
	tests := []struct {
		name  string
		query Query
		want  []string // every document the hits come from
	}{
		{"no scope", Query{}, []string{"wz-2025", "xc-2025", "sz-2025", "js-2024", "cn-2025", "zj-2025", "unknown"}},
		{"home region", Query{Region: "吴中区"}, []string{"wz-2025", "sz-2025", "js-2024", "cn-2025", "unknown"}},
		{"short name", Query{Region: "吴中"}, []string{"wz-2025", "sz-2025", "js-2024", "cn-2025", "unknown"}},
		{"another district", Query{Region: "相城区"}, []string{"xc-2025", "sz-2025", "js-2024", "cn-2025", "unknown"}},
		{"the city", Query{Region: "苏州"}, []string{"sz-2025", "js-2024", "cn-2025", "unknown"}},
		{"the province", Query{Region: "江苏省"}, []string{"js-2024", "cn-2025", "unknown"}},
		{"another province", Query{Region: "浙江"}, []string{"zj-2025", "cn-2025", "unknown"}},
		{"a region the table lacks", Query{Region: "杭州市"}, []string{"unknown"}},
		{"year", Query{Year: 2025}, []string{"wz-2025", "xc-2025", "sz-2025", "cn-2025", "zj-2025"}},
		{"region and year", Query{Region: "吴中区", Year: 2024}, []string{"js-2024"}},
		{"expired year, in force only", Query{Region: "吴中区", Year: 2022}, nil},
		{"expired year, inactive too", Query{Region: "吴中区", Year: 2022, IncludeInactive: true}, []string{"wz-2022"}},
		{"region and doc", Query{Region: "相城区", DocID: "wz-2025"}, nil},
		{"region and category", Query{Region: "相城区", Category: policies.Commerce}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.query
			q.Text, q.K = "国家级专精特新小巨人企业奖励多少", MaxK
			hits, err := ix.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				if !slices.Contains(got, h.Chunk.DocID) {
					got = append(got, h.Chunk.DocID)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Search(%+v) documents = %v, want %v", tc.query, got, want)
			}
		})
	}
}

// TestSearchRegionFilterBeforeRanking checks that the region filter is
// applied before both rankings: with 40 look-alikes of other regions that
// match the query better, the home region's document is still found.
func TestSearchRegionFilterBeforeRanking(t *testing.T) {
	docs := scopedDocs(t)[:1]
	for i := range 2 * Candidates {
		d := *docs[0]
		d.ID, d.Region = "xc-"+string(rune('a'+i/26))+string(rune('a'+i%26)), "相城区"
		d.Title = "相城区制造业高质量发展若干政策 国家级专精特新小巨人企业奖励"
		docs = append(docs, &d)
	}
	ix := openTest(t, docs, Options{})
	hits, err := ix.Search(context.Background(), Query{Text: "国家级专精特新小巨人企业奖励多少", Region: "吴中区", K: 3})
	if err != nil || len(hits) != 1 || hits[0].Chunk.DocID != "wz-2025" || hits[0].LexRank != 1 || hits[0].DenseRank != 1 {
		t.Errorf("Search(region 吴中区) = %v (%+v), %v; want wz-2025 first in both rankings", ids(hits), hits, err)
	}
	if hits[0].Chunk.Region != "吴中区" || hits[0].Chunk.Year != 2025 {
		t.Errorf("hit scope = %q %d, want 吴中区 2025", hits[0].Chunk.Region, hits[0].Chunk.Year)
	}
}

func TestScopes(t *testing.T) {
	ix := openTest(t, scopedDocs(t), Options{})
	got := ix.Scopes()
	if len(got) != 8 {
		t.Fatalf("Scopes() has %d documents, want 8", len(got))
	}
	byID := map[string]DocScope{}
	for _, s := range got {
		byID[s.ID] = s
	}
	if s := byID["js-2024"]; s.Region != "江苏省" || s.Level != policies.LevelProvince || s.Year != 2024 || s.Status != policies.StatusInForce || s.Chunks != 1 {
		t.Errorf("Scopes()[js-2024] = %+v", s)
	}
	if s := byID["wz-2022"]; s.Status != policies.StatusExpired || s.EffectiveTo.String() != "2022-12-31" {
		t.Errorf("Scopes()[wz-2022] = %+v, want expired on 2022-12-31", s)
	}
	if s := byID["unknown"]; s.Region != "" || s.Year != 0 {
		t.Errorf("Scopes()[unknown] = %+v, want no region and no year", s)
	}
	for _, want := range got {
		if s, ok := ix.ScopeOf(want.ID); !ok || s != want {
			t.Errorf("ScopeOf(%s) = %+v, %v; want %+v as Scopes has it", want.ID, s, ok, want)
		}
	}
	if _, ok := ix.ScopeOf("no-such-doc"); ok {
		t.Error("ScopeOf(no-such-doc) reports a document")
	}
	live := NewLive(nil)
	if live.Scopes() != nil {
		t.Error("Live.Scopes() before an index = not nil")
	}
	if _, ok := live.ScopeOf("wz-2022"); ok {
		t.Error("Live.ScopeOf before an index reports a document")
	}
	live.Swap(ix)
	if len(live.Scopes()) != 8 {
		t.Error("Live.Scopes() does not list the live index's documents")
	}
	if s, ok := live.ScopeOf("wz-2022"); !ok || s.Status != policies.StatusExpired {
		t.Errorf("Live.ScopeOf(wz-2022) = %+v, %v; want the expired document", s, ok)
	}
}
