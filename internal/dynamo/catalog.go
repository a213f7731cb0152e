package dynamo

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// No request reads the whole products table: listings, search and counts
// come from each server's catalog read model (docs/catalog.md), fed by the
// products table's stream (catalogfeed.go); EachProduct scans it once, when
// a server starts.

// SaveProduct inserts or replaces a product.
func (s *Store) SaveProduct(ctx context.Context, p *shop.Product) error {
	return s.putItem(ctx, "save product", s.products, productItem(p))
}

// Product returns the product with id (strongly consistent), or
// shop.ErrNotFound.
func (s *Store) Product(ctx context.Context, id string) (*shop.Product, error) {
	it, err := s.getItem(ctx, "read product", s.products, productKey(id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, errNotFound("product", id)
	}
	return productFromItem(it)
}

// batchGetLimit is the most keys one BatchGetItem may ask for.
const batchGetLimit = 100

// Products returns the products with the given ids that exist, read with
// strongly consistent BatchGetItem calls.
func (s *Store) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids) // BatchGetItem refuses a key asked twice
	products := []shop.Product{}
	keys := make([]item, len(ids))
	for i, id := range ids {
		keys[i] = productKey(id)
	}
	err := s.batchGetAll(ctx, "read products", s.products, keys, func(it item) error {
		p, err := productFromItem(it)
		if err != nil {
			return err
		}
		products = append(products, *p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return products, nil
}

// batchGetAll reads any number of keys (each once) from table, in
// batchGet calls of at most batchGetLimit keys.
func (s *Store) batchGetAll(ctx context.Context, op, table string, keys []item, each func(item) error) error {
	for len(keys) > 0 {
		n := min(len(keys), batchGetLimit)
		if err := s.batchGet(ctx, op, table, keys[:n], each); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// batchGet reads keys (at most 100) from table, strongly consistent,
// retrying unprocessed keys with backoff.
func (s *Store) batchGet(ctx context.Context, op, table string, keys []item, each func(item) error) error {
	pending := map[string]types.KeysAndAttributes{table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	return s.resendUnprocessed(ctx, op, "keys", func() (bool, error) {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return false, storeErr(op, err)
		}
		for _, it := range out.Responses[table] {
			if err := each(it); err != nil {
				return false, err
			}
		}
		pending = out.UnprocessedKeys
		return len(pending) > 0, nil
	})
}

// allProducts scans the products table.
func (s *Store) allProducts(ctx context.Context, op string) ([]shop.Product, error) {
	var all []shop.Product
	err := s.scanAll(ctx, op, s.products, func(it item) error {
		p, err := productFromItem(it)
		if err != nil {
			return err
		}
		all = append(all, *p)
		return nil
	})
	return all, err
}

// Categories returns every category by name (ties by id), counting its
// active products.
func (s *Store) Categories(ctx context.Context) ([]shop.Category, error) {
	categories := []shop.Category{}
	err := s.scanAll(ctx, "read categories", s.categories, func(it item) error {
		c, err := categoryFromItem(it)
		categories = append(categories, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(categories, func(a, b shop.Category) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return categories, nil
}

// SaveCategory inserts or replaces a category; ProductCount is not stored
// (it is counted when read).
func (s *Store) SaveCategory(ctx context.Context, c *shop.Category) error {
	return s.putItem(ctx, "save category", s.categories, categoryItem(c))
}

// HasProducts reports whether any product exists: a Scan with Limit 1,
// only the key projected, so it reads at most one item however large the
// table (a page that is empty yet not the last is followed). It decides
// only whether to load the demo catalog at start.
func (s *Store) HasProducts(ctx context.Context) (bool, error) {
	in := &dynamodb.ScanInput{TableName: aws.String(s.products), Limit: aws.Int32(1), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("id")}
	for {
		out, err := s.db.Scan(ctx, in)
		if err != nil {
			return false, storeErr("look for a product", err)
		}
		if len(out.Items) > 0 {
			return true, nil
		}
		if len(out.LastEvaluatedKey) == 0 {
			return false, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// CountProducts counts the products, active or not, with a paginated,
// strongly consistent Scan that returns counts only: for tests and tools,
// never at start (HasProducts) or on a request path.
func (s *Store) CountProducts(ctx context.Context) (int, error) {
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{
		TableName: aws.String(s.products), Select: types.SelectCount, ConsistentRead: aws.Bool(true),
	})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, storeErr("count products", err)
		}
		n += int(out.Count)
	}
	return n, nil
}
