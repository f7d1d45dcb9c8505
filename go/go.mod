module eiw

go 1.19
