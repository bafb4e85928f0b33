module github.com/acme/payments

go 1.21

require (
	github.com/gin-gonic/gin v1.6.3
	github.com/gorilla/websocket v1.4.0 // indirect
	golang.org/x/crypto v0.0.0-20200622213623-75b288015ac9
	github.com/acme/shared v1.2.0
)

require github.com/sirupsen/logrus v1.8.1

replace github.com/sirupsen/logrus => github.com/sirupsen/logrus v1.9.3

replace github.com/acme/shared v1.2.0 => ../shared
