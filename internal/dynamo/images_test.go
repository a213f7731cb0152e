package dynamo

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// testS3Client is the client NewS3Client makes when only the DynamoDB
// endpoint is set, as for the local server: so the tests prove that
// fallback (the local server speaks S3 on the DynamoDB endpoint) and the
// path-style addressing it needs.
func testS3Client(t *testing.T) *s3.Client {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", testEndpoint(t))
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	client, err := NewS3Client(t.Context())
	if err != nil {
		t.Fatalf("NewS3Client() = %v; want nil", err)
	}
	if got := aws.ToString(client.Options().BaseEndpoint); got != testEndpoint(t) || !client.Options().UsePathStyle {
		t.Fatalf("NewS3Client() endpoint %q, path-style %v; want %q, path-style", got, client.Options().UsePathStyle, testEndpoint(t))
	}
	return client
}

// newTestImages returns an image store on a fresh bucket, which NewImages
// creates and the cleanup empties and deletes.
func newTestImages(t *testing.T, client *s3.Client) *Images {
	t.Helper()
	bucket := DefaultImageBucket(uniquePrefix())
	im, err := NewImages(t.Context(), client, bucket)
	if err != nil {
		t.Fatalf("NewImages(%q) = %v; want nil", bucket, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
		if err == nil {
			for _, o := range list.Contents {
				_, _ = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			}
		}
		if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Logf("cleanup: DeleteBucket(%s) = %v", bucket, err)
		}
	})
	return im
}

func TestImageStore(t *testing.T) {
	client := testS3Client(t)
	shoptest.TestImageStore(t, func(t *testing.T) shop.ImageStore { return newTestImages(t, client) })
}

// TestImagesBucketExists: a second server starting on the same bucket
// finds it and reads what the first one wrote.
func TestImagesBucketExists(t *testing.T) {
	client := testS3Client(t)
	first := newTestImages(t, client)
	name := "0123456789abcdef0123456789abcdef.jpg"
	if err := first.PutImage(t.Context(), name, "image/jpeg", []byte("jpeg")); err != nil {
		t.Fatalf("PutImage() = %v; want nil", err)
	}
	second, err := NewImages(t.Context(), client, first.bucket)
	if err != nil {
		t.Fatalf("NewImages(existing bucket) = %v; want nil", err)
	}
	got, err := second.Image(t.Context(), name)
	if err != nil || string(got.Data) != "jpeg" {
		t.Fatalf("Image() through a second store = %v, %v; want the bytes written", got, err)
	}
}
