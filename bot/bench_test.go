package bot

import (
	"context"
	"testing"
)

// BenchmarkAsk is one offline question end to end over the bundled corpus:
// rewrite, retrieval, rerank by evidence, quote selection.
func BenchmarkAsk(b *testing.B) {
	bt := newTestBot(b)
	ctx := context.Background()
	qs := []string{"首次被认定为国家级专精特新小巨人企业奖励多少？", "海外仓补助需要满足什么条件？", "个人所得税专项附加扣除怎么填报？"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := bt.Ask(ctx, Request{Message: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
	}
}
