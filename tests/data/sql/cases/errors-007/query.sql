SELECT fullName.x FROM samples.persons
