package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// SetProductPhoto sets (or, for a zero photo, removes) the photo
// attributes of the product item with one conditional UpdateItem (the
// product exists), leaving every other attribute, stock above all, as the
// item holds it.
func (s *Store) SetProductPhoto(ctx context.Context, id string, photo shop.ProductPhoto) (*shop.Product, error) {
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(s.products), Key: productKey(id),
		UpdateExpression:         aws.String("REMOVE #card, #page"),
		ConditionExpression:      aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "id", "#card": "photo_card", "#page": "photo_page"},
		ReturnValues:             types.ReturnValueAllNew,
	}
	if !photo.IsZero() {
		in.UpdateExpression = aws.String("SET #card = :card, #page = :page")
		in.ExpressionAttributeValues = item{":card": str(photo.Card), ":page": str(photo.Page)}
	}
	out, err := s.updateProduct(ctx, "set product photo", in)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return nil, errNotFound("product", id)
	}
	return out, err
}
