package dynamo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"storefront/internal/shop"
)

// On DynamoDB the product photos live in an S3 bucket (an item holds at
// most 400 KB, and photos are files): one object per content-hashed name,
// written once, served through the shop. DefaultImageBucket names it when
// STOREFRONT_IMAGE_BUCKET does not.

// DefaultImageBucket is the bucket of tablePrefix's shop: the prefix and
// "images", as for tables.
func DefaultImageBucket(tablePrefix string) string { return tablePrefix + "images" }

// ValidBucketName reports whether name is a valid S3 bucket name (the
// rules of general purpose buckets, without the rarer exceptions), so a bad
// STOREFRONT_IMAGE_BUCKET or table prefix is named at start.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		edge := i == 0 || i == len(name)-1
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || !edge && (c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// Images is a shop.ImageStore on an S3 bucket.
type Images struct {
	client *s3.Client
	bucket string
}

var _ shop.ImageStore = (*Images)(nil)

// NewS3Client returns an S3 client configured the standard SDK way, with
// the same retries, timeouts and region as the DynamoDB client. S3 requests
// go where AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) says; when neither is
// set but a DynamoDB endpoint is (AWS_ENDPOINT_URL_DYNAMODB: the local moto
// server, which speaks S3 on the same port), they go there too. Any
// endpoint override is addressed path-style (http://host:port/bucket/key),
// since a local server has no DNS name per bucket.
func NewS3Client(ctx context.Context) (*s3.Client, error) {
	cfg, err := loadConfig(ctx, nil)
	if err != nil {
		return nil, err
	}
	return s3Client(ctx, cfg)
}

func s3Client(ctx context.Context, cfg aws.Config) (*s3.Client, error) {
	env, err := config.NewEnvConfig() // the SDK's own reading of the environment
	if err != nil {
		return nil, fmt.Errorf("s3: read AWS environment: %w", err)
	}
	_, ownEndpoint, err := env.GetServiceBaseEndpoint(ctx, s3.ServiceID)
	if err != nil {
		return nil, fmt.Errorf("s3: read AWS environment: %w", err)
	}
	global := cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != ""
	dynamoEndpoint, local, err := env.GetServiceBaseEndpoint(ctx, dynamodb.ServiceID)
	if err != nil {
		return nil, fmt.Errorf("s3: read AWS environment: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if !ownEndpoint && !global && local {
			o.BaseEndpoint = aws.String(dynamoEndpoint)
		}
		if ownEndpoint || global || local {
			o.UsePathStyle = true
			// S3-compatible servers may not know the SDK's newer default
			// checksums; send them only where S3 requires one.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	}), nil
}

// NewImages returns the image store on bucket, creating the bucket when it
// does not exist (as New creates missing tables).
func NewImages(ctx context.Context, client *s3.Client, bucket string) (*Images, error) {
	if err := ensureBucket(ctx, client, bucket); err != nil {
		return nil, err
	}
	return &Images{client: client, bucket: bucket}, nil
}

func ensureBucket(ctx context.Context, client *s3.Client, bucket string) error {
	_, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	var missing *s3types.NotFound
	if err == nil || !errors.As(err, &missing) {
		return storeErr("s3 find bucket "+bucket, err)
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	// us-east-1 is S3's default location and may not be named.
	if region := client.Options().Region; region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	_, err = client.CreateBucket(ctx, in)
	var owned *s3types.BucketAlreadyOwnedByYou
	if errors.As(err, &owned) { // another process created it first
		return nil
	}
	return storeErr("s3 create bucket "+bucket, err)
}

// PutImage writes the object name. Writing it again writes the same bytes,
// so no condition is needed.
func (im *Images) PutImage(ctx context.Context, name, contentType string, data []byte) error {
	_, err := im.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(im.bucket), Key: aws.String(name), Body: bytes.NewReader(data),
		ContentType: aws.String(contentType), ContentLength: aws.Int64(int64(len(data))),
	})
	return storeErr("s3 put image", err)
}

// Image reads the object name; a missing one is shop.ErrNotFound.
func (im *Images) Image(ctx context.Context, name string) (*shop.ImageFile, error) {
	out, err := im.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(im.bucket), Key: aws.String(name)})
	var missing *s3types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, storeErr("s3 read image", err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, storeErr("s3 read image", err)
	}
	return &shop.ImageFile{Name: name, ContentType: aws.ToString(out.ContentType), Data: data}, nil
}
