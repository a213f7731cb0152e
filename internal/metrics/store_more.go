package metrics

import (
	"context"
	"time"

	"storefront/internal/shop"
)

// processingStore is a Store whose wrapped store keeps order processing's
// records too (shop.ProcessingStore); those calls are counted the same way.
type processingStore struct {
	*Store
	next shop.ProcessingStore
}

var _ shop.ProcessingStore = (*processingStore)(nil)

func (s *processingStore) ClaimMessage(ctx context.Context, m shop.MessageRecord, staleBefore time.Time) (*shop.MessageRecord, error) {
	return counted[*shop.MessageRecord](s.count, "ClaimMessage")(s.next.ClaimMessage(ctx, m, staleBefore))
}

func (s *processingStore) MarkMessageSent(ctx context.Context, orderID, event string, at time.Time) error {
	return s.count("MarkMessageSent", s.next.MarkMessageSent(ctx, orderID, event, at))
}

func (s *processingStore) MessageRecord(ctx context.Context, orderID, event string) (*shop.MessageRecord, error) {
	return counted[*shop.MessageRecord](s.count, "MessageRecord")(s.next.MessageRecord(ctx, orderID, event))
}

func (s *processingStore) SaveDeadLetter(ctx context.Context, d *shop.DeadLetter) error {
	return s.count("SaveDeadLetter", s.next.SaveDeadLetter(ctx, d))
}

func (s *processingStore) DeadLetter(ctx context.Context, orderID, event string) (*shop.DeadLetter, error) {
	return counted[*shop.DeadLetter](s.count, "DeadLetter")(s.next.DeadLetter(ctx, orderID, event))
}

func (s *processingStore) DeadLetters(ctx context.Context, limit int) ([]shop.DeadLetter, error) {
	return counted[[]shop.DeadLetter](s.count, "DeadLetters")(s.next.DeadLetters(ctx, limit))
}

func (s *processingStore) DeleteDeadLetter(ctx context.Context, orderID, event string) error {
	return s.count("DeleteDeadLetter", s.next.DeleteDeadLetter(ctx, orderID, event))
}

// imageStore counts the calls of a shop.ImageStore (the photos' S3 bucket,
// or the SQLite store's images table).
type imageStore struct {
	next  shop.ImageStore
	count countFunc
}

func (s *imageStore) PutImage(ctx context.Context, name, contentType string, data []byte) error {
	return s.count("PutImage", s.next.PutImage(ctx, name, contentType, data))
}

func (s *imageStore) Image(ctx context.Context, name string) (*shop.ImageFile, error) {
	return counted[*shop.ImageFile](s.count, "Image")(s.next.Image(ctx, name))
}
