package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"storefront/internal/dynamo"
	"storefront/internal/processing"
)

// Where the order processor runs (STOREFRONT_PROCESSOR).
const (
	// ProcessorInline runs it in the server, beside the HTTP handlers.
	ProcessorInline = "inline"
	// ProcessorOff leaves it to another process: storefront
	// process-orders, or the deployment's Lambda function.
	ProcessorOff = "off"
)

// outboxPoll is how often the processor looks at an empty SQLite outbox:
// well within the 5 s in which a placed order is to be accepted.
const outboxPoll = 200 * time.Millisecond

// NewProcessor returns the order processor over the app's store, service
// and mailer, its metrics registered on reg.
func (a *App) NewProcessor(reg prometheus.Registerer) (*processing.Processor, error) {
	st, ok := a.Store.(processing.Store)
	if !ok {
		return nil, errors.New("order processing: the store keeps no message records")
	}
	return processing.New(a.Service, st, a.Mailer, processing.Config{
		ShopURL: a.Config.ShopURL, Lease: a.Config.ProcessorLease, Concurrency: a.Config.ProcessorConcurrency, Logger: a.Logger, Metrics: processing.NewMetrics(reg),
	}), nil
}

// ProcessorSource returns where the processor reads order events: the
// SQLite outbox, or the DynamoDB orders table's stream.
func (a *App) ProcessorSource(ctx context.Context) (processing.Source, error) {
	if a.sqlite != nil {
		return processing.OutboxSource(a.sqlite, outboxPoll), nil
	}
	// The stream reader needs the DynamoDB store itself; a.Store may wrap
	// it (metrics). Its tables exist already, so this only checks them.
	client, err := dynamo.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: %w", err)
	}
	st, err := dynamo.New(ctx, client, a.Config.TablePrefix)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: %w", err)
	}
	return st.StreamReader(ctx)
}

// RunProcessor runs the order processor until ctx ends (the
// process-orders command). The record in hand when ctx ends is finished
// (processing.Processor.Run).
func (a *App) RunProcessor(ctx context.Context, reg prometheus.Registerer) error {
	p, err := a.NewProcessor(reg)
	if err != nil {
		return err
	}
	return a.runProcessor(ctx, p)
}

func (a *App) runProcessor(ctx context.Context, p *processing.Processor) error {
	src, err := a.ProcessorSource(ctx)
	if err != nil {
		return err
	}
	a.Logger.InfoContext(ctx, "order processor running", "store", a.Config.Store)
	return p.Run(ctx, src)
}

// StartProcessor builds the server's order processor and hands it to the
// service, for the staff's retries of dead letters (/admin/processing);
// when STOREFRONT_PROCESSOR is inline it also runs it in the background
// until ctx ends or the returned stop is called. stop waits for it to
// finish its record in hand.
func (a *App) StartProcessor(ctx context.Context, reg prometheus.Registerer) (stop func(), err error) {
	p, err := a.NewProcessor(reg)
	if err != nil {
		return nil, err
	}
	a.Service.SetReprocessor(p)
	if a.Config.Processor != ProcessorInline {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.keepRunning(ctx, "order processor", func(ctx context.Context) error { return a.runProcessor(ctx, p) })
	}()
	return func() {
		cancel()
		<-done
	}, nil
}

// The pauses before a background task that stopped is started again: the
// first, doubled each time up to the last; a run that lasted longer than
// the last pause starts the count again.
const (
	restartPauseFirst = time.Second
	restartPauseMost  = 30 * time.Second
)

// keepRunning runs run until ctx ends, starting it again after a pause
// whenever it returns before: a server's inline processor must not stay
// stopped because its store did not answer once when it started (the
// server would go on placing orders nobody accepts, its /readyz saying
// nothing). Each stop is logged as an error.
func (a *App) keepRunning(ctx context.Context, what string, run func(context.Context) error) {
	pause := restartPauseFirst
	for {
		started := time.Now()
		err := run(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("returned before it was stopped")
		}
		if time.Since(started) > restartPauseMost {
			pause = restartPauseFirst
		}
		a.Logger.ErrorContext(ctx, what+" stopped; starting it again", "err", err, "after", pause.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, restartPauseMost)
	}
}
