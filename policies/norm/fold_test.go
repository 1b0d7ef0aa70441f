package norm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii unchanged", "abc 123", "abc 123"},
		{"ascii lower-cased", "5A SUBSIDY", "5a subsidy"},
		{"full-width digits and percent", "５０％", "50%"},
		{"full-width letters", "ＡＢＣｘｙｚ", "abcxyz"},
		{"full-width brackets", "首台（套）", "首台(套)"},
		{"full-width punctuation", "多少？！，：；", "多少?!,:;"},
		{"ideographic space", "奖励　多少", "奖励 多少"},
		{"traditional to simplified", "國家級專精特新小巨人企業獎勵多少", "国家级专精特新小巨人企业奖励多少"},
		{"traditional commerce", "跨境電商進出口額", "跨境电商进出口额"},
		{"traditional tourism", "五星級旅遊飯店與民宿", "五星级旅游饭店与民宿"},
		{"taiwan variant", "衞生", "卫生"},
		{"phrase override", "請瞭解計畫", "请了解计划"},
		{"phrase keeps 乾坤", "扭轉乾坤", "扭转乾坤"},
		{"乾 alone is 干", "乾淨", "干净"},
		{"simplified unchanged", "国家级专精特新“小巨人”企业", "国家级专精特新“小巨人”企业"},
		{"simplified 著 and 么 kept", "显著 什么", "显著 什么"},
		{"mixed", "ＴＩＫＴＯＫ直播帶貨", "tiktok直播带货"},
		{"half-width katakana widened", "ｶ", "カ"},
		{"circled digits", "⑤⓪⓪万元", "500万元"},
		{"mathematical digits", "𝟓𝟎𝟎万元 𝟱𝟬", "500万元 50"},
		{"arabic-indic digits", "٥٠٠万元 ۵", "500万元 5"},
		{"two-digit circled kept", "⑩", "⑩"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// Fold promises rune-for-rune output, so that offsets in folded text are offsets in the original.
func TestFoldKeepsRuneCount(t *testing.T) {
	for _, s := range []string{
		"國家級專精特新小巨人企業獎勵５０％（含）",
		"請瞭解計畫，扭轉乾坤，反覆思量",
		"𠉂㑮 mixed ＡＢＣ text　with spaces",
		"⑤⓪⓪万元 𝟓𝟎𝟎 ٥٠٠ ❺ ➄ ⑩",
	} {
		if got, want := utf8.RuneCountInString(Fold(s)), utf8.RuneCountInString(s); got != want {
			t.Errorf("Fold changed the rune count of %.20q…: %d, want %d", s, got, want)
		}
	}
}

func TestFoldIdempotent(t *testing.T) {
	s := "國家級專精特新小巨人企業獎勵５０％ ＡＢＣ 瞭解 乾坤"
	once := Fold(s)
	if twice := Fold(once); twice != once {
		t.Errorf("Fold(Fold(%q)) = %q, want %q", s, twice, once)
	}
}

func TestT2STable(t *testing.T) {
	tab, err := parseT2S(t2sData)
	if err != nil {
		t.Fatalf("parseT2S(t2s.txt): %v", err)
	}
	if n := len(tab.chars); n < 4000 {
		t.Errorf("t2s.txt has %d characters, want about 4100 (regenerate with go generate)", n)
	}
	phrases := 0
	for first, ps := range tab.phrases {
		phrases += len(ps)
		if !IsHan(first) {
			t.Errorf("phrase head %q is not a Han character: Fold would never look it up", first)
		}
		for i := 1; i < len(ps); i++ {
			if len(ps[i].trad) > len(ps[i-1].trad) {
				t.Errorf("phrases starting with %q are not longest first", first)
			}
		}
	}
	if phrases < 100 {
		t.Errorf("t2s.txt has %d phrases, want about 250", phrases)
	}
	for k, v := range tab.chars {
		if !IsHan(k) {
			t.Errorf("traditional %q (U+%04X) is not in a Han block: Fold would never look it up", k, k)
		}
		if k == v {
			t.Errorf("identity mapping %q", k)
		}
	}
}

func TestParseT2SErrors(t *testing.T) {
	for _, data := range []string{"c 國", "p 瞭解", "p 瞭解 了", "x 國国"} {
		if _, err := parseT2S(data); err == nil || !strings.Contains(err.Error(), "t2s.txt:1:") {
			t.Errorf("parseT2S(%q) error = %v, want a t2s.txt:1: error", data, err)
		}
	}
}

func BenchmarkFold(b *testing.B) {
	s := strings.Repeat("第六条 首次认定为國家級专精特新“小巨人”企业的，给予一次性奖励５０万元。", 20)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Fold(s)
	}
}
